#include <cstdio>
int main() { std::puts("doppel"); return 0; }
