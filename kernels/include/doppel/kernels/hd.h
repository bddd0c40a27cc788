// DOPPEL_HD marks a function that runs on the host and, compiled by nvcc,
// on the device too: the scalar definitions every backend is held to.
#pragma once

#if defined(__CUDACC__)
#define DOPPEL_HD __host__ __device__
#else
#define DOPPEL_HD
#endif
