#!/usr/bin/env python3
"""Compare Doppel with Splink on labelled data: FEBRL 1-3, Splink fake_1000, and
Doppel's generated English bases at scale (--generated 100000,1000000).

Both tools are scored by the same code (`doppel eval`) in the same run, and both
are timed as whole processes (wall clock), Splink including model training.

Splink uses the settings of Splink's own documentation, not tuned to the answer:
  * FEBRL: the Splink "Deduplicating the febrl3 dataset" example
    (docs/demos/examples/duckdb/febrl3), and, as a second variant, the
    "detailed model" of the Splink febrl4 example with link_type switched to
    dedupe_only (docs/demos/examples/duckdb/febrl4).
  * fake_1000: the model of Splink tutorial 04 "Estimating model parameters"
    (docs/demos/tutorials/04_Estimating_model_parameters).
  * generated English bases (`doppel gen --locale en --seed 42`): the model of
    Splink's "Deduplicating 50,000 records of realistic census data" example
    (docs/demos/examples/duckdb/deduplicate_50k_synthetic), with the columns
    this data has and that one lacks (phone, email, street) compared by the
    comparison library's functions for them. The raw file is cleaned the way
    Splink's data-preparation guide asks, in DuckDB SQL inside the timed job:
    lower-case and trimmed text, dates parsed from their three formats, phone
    numbers reduced to their last ten digits.
Only two things differ from the docs: records are clustered at match
probability 0.95 (Doppel's default threshold), and a fixed seed is given to
u sampling so the run can be repeated.

Run with the Python of a virtualenv that has Splink installed:
  python3 -m venv /tmp/splinkenv && /tmp/splinkenv/bin/pip install splink
  /tmp/splinkenv/bin/python bench/splink_compare.py \
      --doppel build/service/doppel --out bench/results
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import json
import os
import platform
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

DATA = Path(os.environ.get("DOPPEL_DATA", "/work/shared/data"))
THRESHOLD = 0.95  # Doppel's default --threshold
SEED = 2  # the seed Splink's febrl3 example passes to u sampling

DATASETS = {
    "febrl1": {
        "path": DATA / "febrl1/dataset1.csv",
        "kind": "febrl",
        "id": "rec_id",
        "eval": ["--truth-from-id", r"rec-(\d+)-"],
    },
    "febrl2": {
        "path": DATA / "febrl2/dataset2.csv",
        "kind": "febrl",
        "id": "rec_id",
        "eval": ["--truth-from-id", r"rec-(\d+)-"],
    },
    "febrl3": {
        "path": DATA / "febrl3/dataset3.csv",
        "kind": "febrl",
        "id": "rec_id",
        "eval": ["--truth-from-id", r"rec-(\d+)-"],
    },
    "fake_1000": {
        "path": DATA / "splink_fake_1000/fake_1000.csv",
        "kind": "fake",
        "id": "unique_id",
        "eval": [
            "--truth",
            str(DATA / "splink_fake_1000/fake_1000.csv"),
            "--truth-columns",
            "unique_id,cluster",
        ],
    },
}

GEN_SEED = 42  # doppel gen --seed for the generated bases
GEN_PREFIX = "gen_en_"
GEN_RU_PREFIX = "gen_ru_"


def spec_of(dataset: str, work: Path) -> dict:
    """The spec of a named dataset; gen_en_N is the generated English base of N rows under work."""
    if dataset in DATASETS:
        return DATASETS[dataset]
    m = re.fullmatch(GEN_RU_PREFIX + r"(\d+)", dataset)
    if m:
        base = work / dataset
        return {
            "path": base / "base.csv",
            "kind": "gen_ru",
            "id": "id",
            "rows": int(m.group(1)),
            "eval": ["--truth", str(base / "truth.csv")],
            "gen_args": ["--locale", "ru"],
        }
    m = re.fullmatch(GEN_PREFIX + r"(\d+)", dataset)
    if not m:
        raise ValueError(f"unknown dataset {dataset}")
    base = work / dataset
    return {
        "path": base / "base.csv",
        "kind": "gen_en",
        "id": "id",
        "rows": int(m.group(1)),
        "eval": ["--truth", str(base / "truth.csv")],
        # The slash dates of the English generator are month/day/year and its phones are
        # North American; both tools are told.
        "doppel_args": ["--date-order", "mdy", "--region", "US"],
        "gen_args": ["--locale", "en"],
    }


# Splink variants per kind of data: name -> description
VARIANTS = {
    "febrl": {
        "splink (febrl3 example)": "febrl3",
        "splink (febrl4 detailed model)": "febrl4",
    },
    "fake": {
        "splink (tutorial model)": "tutorial",
        "splink (tutorial model, tutorial 03 blocking)": "tutorial_b03",
    },
    "gen_en": {
        "splink (50k synthetic example model)": "synthetic50k",
        "splink (same model, EM on email and dob, tuned by us)": "synthetic50k_em_email",
    },
    "gen_ru": {
        "splink (50k example's recipe, Russian columns)": "ru",
        "splink (same, EM on email and dob, tuned by us)": "ru_em_email",
    },
}

TRUTH_COLUMNS = {"cluster"}  # never handed to Splink


# --------------------------------------------------------------------------
# Splink side (runs in a child process so its wall clock is a whole process,
# like doppel's)
# --------------------------------------------------------------------------


def read_csv_as_arrow(path: Path):
    """Read a CSV as all-string columns; empty field -> NULL.

    FEBRL files are ', ' separated: csv.reader(skipinitialspace=True) reads them
    like pandas.read_csv(skipinitialspace=True, dtype=str) would.
    """
    import pyarrow as pa

    with open(path, newline="", encoding="utf-8") as f:
        rows = list(csv.reader(f, skipinitialspace=True))
    header = [h.strip() for h in rows[0]]
    cols = {h: [] for h in header if h not in TRUTH_COLUMNS}
    for r in rows[1:]:
        for h, v in zip(header, r):
            if h in cols:
                v = v.strip()
                cols[h].append(v if v != "" else None)
    return pa.table({h: pa.array(v, type=pa.string()) for h, v in cols.items()})


# Cleaning of the generated English base for Splink, as its data-preparation
# guide asks: Splink compares columns as they are, so text is lower-cased and
# trimmed, dates are parsed from the generator's three formats (ISO, US
# month/day/year, and compact), and phones keep their last ten digits (the US
# number without its +1); anything shorter is no phone.
GEN_EN_PREP_SQL = """
create table prepared as
with raw as (select * from read_csv('{path}', all_varchar = true, header = true))
select
  id,
  nullif(lower(trim(first_name)), '') as first_name,
  nullif(lower(trim(last_name)), '') as surname,
  nullif(trim(concat_ws(' ', lower(trim(first_name)), lower(trim(last_name)))), '')
    as first_name_surname,
  strftime(coalesce(try_strptime(dob, '%Y-%m-%d'), try_strptime(dob, '%m/%d/%Y'),
                    try_strptime(dob, '%Y%m%d')), '%Y-%m-%d') as dob,
  case when length(regexp_replace(coalesce(phone, ''), '[^0-9]', '', 'g')) >= 10
       then right(regexp_replace(phone, '[^0-9]', '', 'g'), 10) end as phone,
  nullif(lower(trim(email)), '') as email,
  nullif(lower(trim(street_address)), '') as street,
  nullif(lower(trim(city)), '') as city,
  nullif(trim(postcode), '') as postcode
from raw
"""


# Cleaning of the generated Russian base for Splink, as a diligent user
# would write it in SQL: ФИО split on spaces into surname, first name and
# patronymic (the order most rows use), every text lower-cased and
# transliterated to Latin letter by letter (so Иванов and Ivanov compare),
# dates parsed from day.month.year, ISO and day/month/year, the mobile's
# last ten digits, the landline's digits, the address as one string.
TRANSLIT = [
    ("щ", "shch"), ("ж", "zh"), ("х", "kh"), ("ц", "ts"), ("ч", "ch"), ("ш", "sh"), ("ю", "iu"),
    ("я", "ia"), ("ё", "e"), ("а", "a"), ("б", "b"), ("в", "v"), ("г", "g"), ("д", "d"), ("е", "e"),
    ("з", "z"), ("и", "i"), ("й", "i"), ("к", "k"), ("л", "l"), ("м", "m"), ("н", "n"), ("о", "o"),
    ("п", "p"), ("р", "r"), ("с", "s"), ("т", "t"), ("у", "u"), ("ф", "f"), ("ъ", ""), ("ы", "y"),
    ("ь", ""), ("э", "e"),
]


def translit_sql(expr: str) -> str:
    out = f"lower({expr})"
    for cyr, lat in TRANSLIT:
        out = f"replace({out}, '{cyr}', '{lat}')"
    return out


GEN_RU_PREP_SQL = """
create table prepared as
with raw as (
  select id, "ФИО" as fio, "Дата рождения" as dob_raw, "Телефон" as phone_raw,
         "Телефон 2" as landline_raw, "E-mail" as email_raw, "Адрес" as address_raw
  from read_csv('{path}', all_varchar = true, header = true, delim = ';')
), names as (
  select *, list_filter(string_split(trim(regexp_replace({fio_latin}, '[.,]', ' ', 'g')), ' '),
                        lambda x: x <> '') as parts
  from raw
)
select
  id,
  nullif(parts[1], '') as surname,
  nullif(parts[2], '') as first_name,
  nullif(parts[3], '') as patronymic,
  nullif(trim(concat_ws(' ', parts[2], parts[1])), '') as first_name_surname,
  strftime(coalesce(try_strptime(dob_raw, '%d.%m.%Y'), try_strptime(dob_raw, '%Y-%m-%d'),
                    try_strptime(dob_raw, '%d/%m/%Y')), '%Y-%m-%d') as dob,
  case when length(regexp_replace(coalesce(phone_raw, ''), '[^0-9]', '', 'g')) >= 10
       then right(regexp_replace(phone_raw, '[^0-9]', '', 'g'), 10) end as phone,
  nullif(regexp_replace(coalesce(landline_raw, ''), '[^0-9]', '', 'g'), '') as landline,
  nullif(lower(trim(email_raw)), '') as email,
  nullif(trim({address_latin}), '') as address
from names
"""


def true_entities(dataset: str, spec: dict) -> dict[str, str]:
    """record id -> true entity (for the blocking diagnostic only)."""
    with open(spec["path"], newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f, skipinitialspace=True))
    if spec["kind"] == "febrl":
        return {r["rec_id"]: re.match(r"rec-(\d+)-", r["rec_id"]).group(1) for r in rows}
    return {r["unique_id"]: r["cluster"] for r in rows}


def generated_training(em_on_email: bool) -> dict:
    """Training of the generated bases' models (the 50k synthetic example's recipe).

    The recipe's EM, run on pairs that share first name and surname, takes
    namesakes for duplicates and learns that a duplicate's date of birth
    mostly differs (m 0.24 for an exact match, 0.46 for no likeness at 100k
    English records), so namesakes link and chain. Pairs that share an email
    are nearly all duplicates: EM on them (em_on_email) learns the other
    fields' m, as a Splink user would once they saw those m-values. Chosen by
    us with the truth in view.
    """
    from splink import block_on

    return {
        "deterministic_rules": [
            block_on("first_name", "surname", "dob"),
            block_on("email"),
            block_on("phone"),
        ],
        "recall": 0.7,
        "u_max_pairs": 5e6,
        "em_rules": [block_on("email") if em_on_email else block_on("first_name", "surname"), block_on("dob")],
        "em_without_tf": False,
    }


def splink_settings(variant: str):
    import splink.comparison_library as cl
    from splink import ColumnExpression, SettingsCreator, block_on

    if variant == "febrl3":
        # Splink docs: examples/duckdb/febrl3 (deduplication)
        blocking = [
            block_on("soc_sec_id"),
            block_on("given_name"),
            block_on("surname"),
            block_on("date_of_birth"),
            block_on("postcode"),
        ]
        settings = SettingsCreator(
            unique_id_column_name="rec_id",
            link_type="dedupe_only",
            blocking_rules_to_generate_predictions=blocking,
            comparisons=[
                cl.NameComparison("given_name"),
                cl.NameComparison("surname"),
                cl.DateOfBirthComparison(
                    "date_of_birth", input_is_string=True, datetime_format="%Y%m%d"
                ),
                cl.DamerauLevenshteinAtThresholds("soc_sec_id", [2]),
                cl.ExactMatch("street_number").configure(term_frequency_adjustments=True),
                cl.ExactMatch("postcode").configure(term_frequency_adjustments=True),
            ],
            retain_intermediate_calculation_columns=True,
        )
        training = {
            "deterministic_rules": [
                block_on("soc_sec_id"),
                block_on("given_name", "surname", "date_of_birth"),
                "l.given_name = r.surname and l.surname = r.given_name "
                "and l.date_of_birth = r.date_of_birth",
            ],
            "recall": 0.9,
            "u_max_pairs": 1e6,
            "em_rules": [block_on("date_of_birth"), block_on("postcode")],
            "em_without_tf": False,
        }
        return settings, training

    if variant == "febrl4":
        # Splink docs: examples/duckdb/febrl4, "detailed model", link_type
        # changed from link_only to dedupe_only (one input table here)
        blocking = [
            block_on("given_name", "surname"),
            "l.given_name = r.surname and l.surname = r.given_name",
            block_on("date_of_birth"),
            block_on("soc_sec_id"),
            block_on("state", "address_1"),
            block_on("street_number", "address_1"),
            block_on("postcode"),
        ]
        settings = SettingsCreator(
            unique_id_column_name="rec_id",
            link_type="dedupe_only",
            blocking_rules_to_generate_predictions=blocking,
            comparisons=[
                cl.NameComparison("given_name").configure(term_frequency_adjustments=True),
                cl.NameComparison("surname").configure(term_frequency_adjustments=True),
                cl.DateOfBirthComparison(
                    "date_of_birth",
                    input_is_string=True,
                    datetime_format="%Y%m%d",
                    invalid_dates_as_null=True,
                ),
                cl.DamerauLevenshteinAtThresholds("soc_sec_id", [1, 2]),
                cl.ExactMatch("street_number").configure(term_frequency_adjustments=True),
                cl.DamerauLevenshteinAtThresholds("postcode", [1, 2]).configure(
                    term_frequency_adjustments=True
                ),
            ],
            retain_intermediate_calculation_columns=True,
        )
        training = {
            "deterministic_rules": [
                block_on("soc_sec_id"),
                block_on("given_name", "surname", "date_of_birth"),
            ],
            "recall": 0.8,
            "u_max_pairs": 1e6,
            "em_rules": [block_on("date_of_birth"), block_on("postcode")],
            "em_without_tf": True,
        }
        return settings, training

    if variant in ("tutorial", "tutorial_b03"):
        # Splink docs: tutorials/04_Estimating_model_parameters (fake_1000).
        # tutorial_b03: the same model, predicting with the five blocking rules
        # that tutorials/03_Blocking analyses for this data.
        if variant == "tutorial":
            blocking = [block_on("first_name", "city"), block_on("surname")]
        else:
            blocking = [
                block_on("substr(first_name, 1,1)", "surname"),
                block_on("surname"),
                block_on("email"),
                block_on("city", "first_name"),
                "l.first_name = r.first_name and levenshtein(l.surname, r.surname) < 2",
            ]
        settings = SettingsCreator(
            link_type="dedupe_only",
            comparisons=[
                cl.NameComparison("first_name"),
                cl.NameComparison("surname"),
                cl.LevenshteinAtThresholds(ColumnExpression("dob").cast_to_string(), 1),
                cl.ExactMatch("city").configure(term_frequency_adjustments=True),
                cl.EmailComparison("email"),
            ],
            blocking_rules_to_generate_predictions=blocking,
            retain_intermediate_calculation_columns=True,
        )
        training = {
            "deterministic_rules": [
                block_on("first_name", "dob"),
                "l.first_name = r.first_name and levenshtein(r.surname, l.surname) <= 2",
                block_on("email"),
            ],
            "recall": 0.7,
            "u_max_pairs": 2e6,
            "em_rules": [block_on("first_name", "surname"), block_on("dob")],
            "em_without_tf": False,
        }
        return settings, training

    if variant in ("synthetic50k", "synthetic50k_em_email"):
        # Splink docs: examples/duckdb/deduplicate_50k_synthetic. Its model:
        # ForenameSurnameComparison, DateOfBirthComparison, PostcodeComparison,
        # ExactMatch with term frequencies for the other attributes; trained by
        # a prior from deterministic rules, u by sampling, m by EM on two rules.
        # Columns this data has and the example's lacks use the library's
        # functions for them: EmailComparison, exact phone, Jaro-Winkler street.
        blocking = [
            block_on("first_name", "surname"),
            block_on("surname", "dob"),
            block_on("phone"),
            block_on("email"),
            block_on("postcode", "first_name"),
        ]
        settings = SettingsCreator(
            unique_id_column_name="id",
            link_type="dedupe_only",
            blocking_rules_to_generate_predictions=blocking,
            comparisons=[
                cl.ForenameSurnameComparison(
                    "first_name", "surname", forename_surname_concat_col_name="first_name_surname"
                ),
                cl.DateOfBirthComparison("dob", input_is_string=True),
                cl.PostcodeComparison("postcode"),
                cl.ExactMatch("city").configure(term_frequency_adjustments=True),
                cl.JaroWinklerAtThresholds("street", [0.9, 0.7]),
                cl.ExactMatch("phone"),
                cl.EmailComparison("email"),
            ],
            retain_intermediate_calculation_columns=True,
        )
        return settings, generated_training(variant == "synthetic50k_em_email")

    if variant in ("ru", "ru_em_email"):
        # The recipe of the English variants (the 50k synthetic example's
        # model and training) on the columns the Russian base has.
        blocking = [
            block_on("first_name", "surname"),
            block_on("surname", "dob"),
            block_on("phone"),
            block_on("email"),
            block_on("first_name", "dob"),
        ]
        settings = SettingsCreator(
            unique_id_column_name="id",
            link_type="dedupe_only",
            blocking_rules_to_generate_predictions=blocking,
            comparisons=[
                cl.ForenameSurnameComparison(
                    "first_name", "surname", forename_surname_concat_col_name="first_name_surname"
                ),
                cl.NameComparison("patronymic"),
                cl.DateOfBirthComparison("dob", input_is_string=True),
                cl.ExactMatch("phone"),
                cl.ExactMatch("landline"),
                cl.EmailComparison("email"),
                cl.JaroWinklerAtThresholds("address", [0.9, 0.7]),
            ],
            retain_intermediate_calculation_columns=True,
        )
        return settings, generated_training(variant == "ru_em_email")

    raise ValueError(f"unknown variant {variant}")


def splink_worker(dataset: str, variant: str, clusters_out: Path, phases_out: Path) -> None:
    t0 = time.perf_counter()
    import logging

    from splink import DuckDBAPI, Linker

    t_import = time.perf_counter()
    spec = spec_of(dataset, clusters_out.parent)
    db_api = DuckDBAPI()
    if spec["kind"] == "gen_en":
        db_api.duckdb_con.execute(GEN_EN_PREP_SQL.format(path=spec["path"]))
        sdf = db_api.register("prepared")
    elif spec["kind"] == "gen_ru":
        db_api.duckdb_con.execute(GEN_RU_PREP_SQL.format(
            path=spec["path"], fio_latin=translit_sql("fio"), address_latin=translit_sql("address_raw")))
        sdf = db_api.register("prepared")
    else:
        sdf = db_api.register(read_csv_as_arrow(spec["path"]))
    settings, tr = splink_settings(variant)
    linker = Linker(sdf, settings, log_level=logging.WARNING)
    t_load = time.perf_counter()

    linker.training.estimate_probability_two_random_records_match(
        tr["deterministic_rules"], recall=tr["recall"]
    )
    linker.training.estimate_u_using_random_sampling(max_pairs=tr["u_max_pairs"], seed=SEED)
    for rule in tr["em_rules"]:
        linker.training.estimate_parameters_using_expectation_maximisation(
            rule, estimate_without_term_frequencies=tr["em_without_tf"]
        )
    t_train = time.perf_counter()

    # As in Splink's docs: predict at a low threshold, then cluster at the one
    # of interest (here Doppel's 0.95).
    predictions = linker.inference.predict(threshold_match_probability=0.2)
    t_predict = time.perf_counter()
    clusters = linker.clustering.cluster_pairwise_predictions_at_threshold(
        predictions, threshold_match_probability=THRESHOLD
    )
    uid = spec["id"]
    rel = clusters.as_duckdbpyrelation()
    rows = rel.select(f'"{uid}", cluster_id').fetchall()
    with open(clusters_out, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["record_id", "entity_id"])
        w.writerows(rows)
    t_end = time.perf_counter()

    n_pred = predictions.as_duckdbpyrelation().count("*").fetchall()[0][0]
    n_pred95 = (
        predictions.as_duckdbpyrelation()
        .filter(f"match_probability >= {THRESHOLD}")
        .count("*")
        .fetchall()[0][0]
    )
    phases = {
        "import_s": t_import - t0,
        "load_s": t_load - t_import,
        "train_s": t_train - t_load,
        "predict_s": t_predict - t_train,
        "cluster_and_write_s": t_end - t_predict,
        "in_process_total_s": t_end - t0,
        "pairs_scored_at_p_ge_0.2": n_pred,
        "pairs_at_p_ge_threshold": n_pred95,
        "probability_two_random_records_match": linker._settings_obj._probability_two_random_records_match,
        "records_clustered": len(rows),
    }
    # Diagnostic only, outside the timed part: share of true pairs that the
    # prediction blocking rules put in front of the model at all. It scores
    # every candidate pair again, so the generated bases skip it.
    if spec["kind"] in ("gen_en", "gen_ru"):
        phases["candidate_pairs"] = None
        phases["blocking_recall"] = None
        phases_out.write_text(json.dumps(phases, indent=2))
        return
    all_pairs = linker.inference.predict(warning_mode="never").as_duckdbpyrelation()
    blocked = {
        frozenset(p) for p in all_pairs.select(f'"{uid}_l", "{uid}_r"').fetchall()
    }
    truth = true_entities(dataset, spec)
    groups: dict[str, list[str]] = {}
    for rid, ent in truth.items():
        groups.setdefault(ent, []).append(rid)
    true_pairs = [
        frozenset((a, b)) for g in groups.values() for i, a in enumerate(g) for b in g[i + 1:]
    ]
    phases["candidate_pairs"] = len(blocked)
    phases["blocking_recall"] = (
        sum(p in blocked for p in true_pairs) / len(true_pairs) if true_pairs else None
    )
    phases_out.write_text(json.dumps(phases, indent=2))


# --------------------------------------------------------------------------
# Driver
# --------------------------------------------------------------------------


def run_timed(cmd: list[str], log: Path) -> tuple[float, int, int]:
    """Wall seconds, exit status and peak RSS (MiB) of one child process."""
    with open(log, "w") as lf:
        t0 = time.perf_counter()
        child = subprocess.Popen(cmd, stdout=lf, stderr=subprocess.STDOUT)
        _, status, usage = os.wait4(child.pid, 0)
        child.returncode = os.waitstatus_to_exitcode(status)
        return time.perf_counter() - t0, child.returncode, usage.ru_maxrss // 1024


def doppel_eval(doppel: str, clusters: Path, spec: dict) -> dict:
    out = subprocess.run(
        [doppel, "eval", "--json", *spec["eval"], str(clusters)],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return json.loads(out)


def row_from(dataset: str, tool: str, seconds: float, rss_mib: int, ev: dict, extra: dict) -> dict:
    return {
        "dataset": dataset,
        "tool": tool,
        "records": ev["records"],
        "true_entities": ev["true_entities"],
        "predicted_entities": ev["predicted_entities"],
        "pairwise_precision": ev["pairwise"]["precision"],
        "pairwise_recall": ev["pairwise"]["recall"],
        "pairwise_f1": ev["pairwise"]["f1"],
        "bcubed_f1": ev["bcubed"]["f1"],
        "seconds": seconds,
        "peak_rss_mib": rss_mib,
        "missing_from_clusters": ev.get("missing_from_clusters"),
        **extra,
    }


def versions(doppel: str) -> dict:
    v = {"python": platform.python_version()}
    try:
        import duckdb
        import splink

        v["splink"] = splink.__version__
        v["duckdb"] = duckdb.__version__
    except Exception as e:  # pragma: no cover
        v["splink"] = f"unavailable: {e}"
    v["doppel"] = subprocess.run([doppel, "--version"], capture_output=True, text=True).stdout.strip()
    try:
        v["git"] = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True,
            cwd=Path(__file__).resolve().parent,
        ).stdout.strip()
    except Exception:
        pass
    cpu = "unknown"
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    v["cpu"] = f"{cpu} ({os.cpu_count()} cores)"
    return v


def fmt(x: float) -> str:
    return f"{x:.3f}"


def markdown(meta: dict, rows: list[dict]) -> str:
    out = [
        f"# Doppel vs Splink, {meta['date']}",
        "",
        f"Splink {meta['versions'].get('splink')} (DuckDB {meta['versions'].get('duckdb')}, "
        f"Python {meta['versions']['python']}), {meta['versions']['doppel']} "
        f"(git {meta['versions'].get('git', '?')}), {meta['versions']['cpu']}.",
        "",
        "Both tools cluster at match probability 0.95 and are scored by `doppel eval` "
        "on the same truth. Seconds are the wall clock of the whole process "
        "(Splink: Python start, import, load, training, predict, clustering, write; "
        "Doppel: `doppel dedupe -q`, which also trains its model). "
        "Settings: see bench/splink_compare.md.",
        "",
        "| dataset | tool | pairwise P | pairwise R | pairwise F1 | B-cubed F1 | entities (true) | seconds | peak RSS MiB |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        out.append(
            f"| {r['dataset']} | {r['tool']} | {fmt(r['pairwise_precision'])} | "
            f"{fmt(r['pairwise_recall'])} | {fmt(r['pairwise_f1'])} | {fmt(r['bcubed_f1'])} | "
            f"{r['predicted_entities']} ({r['true_entities']}) | {r['seconds']:.2f} | "
            f"{r.get('peak_rss_mib', '-')} |"
        )
    out.append("")
    out.append("Splink phases (in-process seconds: import / load / train / predict / cluster+write):")
    out.append("")
    for r in rows:
        p = r.get("splink_phases")
        if p:
            line = (
                f"- {r['dataset']}, {r['tool']}: {p['import_s']:.2f} / {p['load_s']:.2f} / "
                f"{p['train_s']:.2f} / {p['predict_s']:.2f} / {p['cluster_and_write_s']:.2f}; "
                f"{p['pairs_scored_at_p_ge_0.2']} pairs at p>=0.2, "
                f"{p['pairs_at_p_ge_threshold']} at p>=0.95"
            )
            if p.get("candidate_pairs") is not None:
                line += (
                    f"; {p['candidate_pairs']} candidate pairs from the prediction blocking rules, "
                    f"which hold {100 * p['blocking_recall']:.1f}% of the true pairs"
                )
            out.append(line)
    out.append("")
    return "\n".join(out)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--doppel", default="build/service/doppel", help="doppel binary")
    ap.add_argument("--out", default="bench/results", help="results directory")
    ap.add_argument("--work", default="/tmp/splink_compare_work",
                    help="scratch directory for clusters files and logs (recreated)")
    ap.add_argument("--datasets", default=",".join(DATASETS),
                    help="comma-separated subset of the public sets ('' for none)")
    ap.add_argument("--generated", default="",
                    help="also compare on generated English bases of these sizes, e.g. 100000,1000000 "
                         f"(doppel gen --locale en --seed {GEN_SEED})")
    ap.add_argument("--generated-ru", default="",
                    help="and on generated Russian bases of these sizes (doppel gen --locale ru)")
    ap.add_argument("--suffix", default="", help="appended to the results' file names, e.g. -scale")
    # internal: one Splink job in a child process
    ap.add_argument("--worker", nargs=4, metavar=("DATASET", "VARIANT", "CLUSTERS", "PHASES"),
                    help=argparse.SUPPRESS)
    args = ap.parse_args()

    if args.worker:
        ds, variant, clusters, phases = args.worker
        splink_worker(ds, variant, Path(clusters), Path(phases))
        return 0

    doppel = str(Path(args.doppel).resolve())
    work = Path(args.work)
    if work.exists():
        shutil.rmtree(work)
    work.mkdir(parents=True)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)

    date = dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%d")
    meta = {
        "date": date,
        "started_utc": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
        "versions": versions(doppel),
        "threshold": THRESHOLD,
        "u_sampling_seed": SEED,
        "load_average_at_start": os.getloadavg(),
    }
    rows: list[dict] = []
    names = [d for d in args.datasets.split(",") if d]
    for prefix, sizes in ((GEN_PREFIX, args.generated), (GEN_RU_PREFIX, args.generated_ru)):
        for n in (int(x) for x in sizes.split(",") if x):
            name = f"{prefix}{n}"
            subprocess.run([doppel, "gen", "-q", *spec_of(name, work)["gen_args"], "--seed", str(GEN_SEED),
                            "--rows", str(n), "--out", str(work / name)], check=True, stdout=subprocess.DEVNULL)
            names.append(name)
    for ds in names:
        spec = spec_of(ds, work)
        # Doppel
        ddir = work / f"doppel-{ds}"
        secs, rc, rss = run_timed([doppel, "dedupe", "-q", str(spec["path"]), "--out", str(ddir),
                                   *spec.get("doppel_args", [])],
                                  work / f"doppel-{ds}.log")
        if rc != 0:
            print(f"doppel failed on {ds}, see {work}/doppel-{ds}.log", file=sys.stderr)
            return 1
        summary = json.loads((ddir / "summary.json").read_text())
        ev = doppel_eval(doppel, ddir / "clusters.csv", spec)
        rows.append(row_from(ds, "doppel", secs, rss, ev, {
            "doppel_columns": summary.get("columns"),
            "doppel_candidate_pairs": summary.get("candidate_pairs"),
        }))
        print(f"{ds:10s} doppel  F1 {ev['pairwise']['f1']:.3f}  {secs:.2f}s", flush=True)
        # Splink
        for tool, variant in VARIANTS[spec["kind"]].items():
            tag = f"{ds}-{variant}"
            clusters = work / f"splink-{tag}.csv"
            phases = work / f"splink-{tag}.phases.json"
            secs, rc, rss = run_timed(
                [sys.executable, str(Path(__file__).resolve()), "--worker", ds, variant,
                 str(clusters), str(phases)],
                work / f"splink-{tag}.log",
            )
            if rc != 0:
                print(f"splink failed on {tag}, see {work}/splink-{tag}.log", file=sys.stderr)
                return 1
            ev = doppel_eval(doppel, clusters, spec)
            rows.append(row_from(ds, tool, secs, rss, ev,
                                 {"splink_phases": json.loads(phases.read_text())}))
            print(f"{ds:10s} {tool}  F1 {ev['pairwise']['f1']:.3f}  {secs:.2f}s", flush=True)

    meta["finished_utc"] = dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")
    base = out / f"{date}-splink-compare{args.suffix}"
    Path(f"{base}.json").write_text(json.dumps({"meta": meta, "results": rows}, indent=2) + "\n")
    Path(f"{base}.md").write_text(markdown(meta, rows))
    print(f"wrote {base}.json and {base}.md")
    return 0


if __name__ == "__main__":
    sys.exit(main())
