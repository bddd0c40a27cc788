#!/usr/bin/env python3
"""Writes the hand-made seed inputs of each fuzz target into corpus/<target>/.

The corpus also holds what fuzzing runs found and kept (bench/fuzz.sh merges
them in); this script only (re)writes the seeds named seed_*. Needs the
msgpack package (pip install msgpack) for the request seeds.
    python3 tests/fuzz/make_seeds.py
"""
import os

import msgpack

HERE = os.path.dirname(os.path.abspath(__file__))


def write(target, name, data):
    d = os.path.join(HERE, "corpus", target)
    os.makedirs(d, exist_ok=True)
    if isinstance(data, str):
        data = data.encode("utf-8")
    with open(os.path.join(d, "seed_" + name), "wb") as f:
        f.write(data)


SEP = b"\x00\xff"  # field separator of multi-field targets (fuzz.h SplitFields)

# ---- csv_reader: one flag byte, then the file --------------------------------
CSV = ("id;ФИО;Дата рождения;Телефон;E-mail;Адрес\n"
       "1;Борисова Анна Владимировна;23.05.1973;+7 952 281-24-95;anna@mail.ru;г. Тюмень, ул. Гагарина 68-203\n"
       "2;\"Ковалёв; Геннадий\";18.03.1968;8 (989) 568-14-96;;\"191765, г Санкт-Петербург,\nСадовая ул, д 102\"\n"
       "3;bad;row\n")
write("csv_reader", "semicolon", b"\x00" + CSV.encode())
write("csv_reader", "crlf_bom", b"\x00" + b"\xef\xbb\xbf" + CSV.replace("\n", "\r\n").encode())
write("csv_reader", "cp1251", b"\x00" + CSV.encode("cp1251", errors="replace"))
write("csv_reader", "utf16", b"\x00" + b"\xff\xfe" + CSV.encode("utf-16-le"))
write("csv_reader", "comma_noheader", b"\x01" + b"a,b,c\n1,\"x\"\"y\",3\n4,5\n\"unterminated,6\n")
write("csv_reader", "tab", b"\x06" + b"id\tname\n1\tIvan\n2\tPetr\t extra\n")
write("csv_reader", "ndjson", b"\x08" + '{"id": 1, "name": "Иван", "phones": ["+79161234567", 5]}\n'
      '{"id": 2, "x": {"nested": true}}\nnot json\n{"id": 3, "new_key": null}\n'.encode())
write("csv_reader", "invalid_utf8", b"\x00" + b"id,name\n1,\xd0\n2,\xff\xfe\n3,ok\n")

# ---- request: MessagePack envelopes -----------------------------------------
def req(op, args=None, rid=1, v=1):
    m = {"v": v, "id": rid, "op": op}
    if args is not None:
        m["args"] = args
    return msgpack.packb(m, use_bin_type=True)


batch = {"columns": ["id", "ФИО", "Телефон", "E-mail"],
         "data": [["1", "2", 3], ["Иванов Иван", "Петров Пётр", None], ["+79161234567", "89160000001", ""],
                  ["a@b.ru", "", "x"]],
         "map": {"phone": "Телефон"}, "source": "fuzz"}
write("request", "health", req("health"))
write("request", "ingest", req("ingest", batch))
write("request", "resolve", req("resolve", dict(batch, explain=True)))
write("request", "get_entity", req("get_entity", {"id": 5}))
write("request", "merge", req("merge", {"a": 1, "b": 2, "reason": "same"}))
write("request", "outcomes", req("outcomes", {"rows": [{"entity": "1", "phone": "+79161234567",
                                                          "outcome": "confirmed", "date": "2026-12-04"}]}))
write("request", "wrong_types", req("ingest", {"columns": [1, None], "data": "x"}))
write("request", "ragged", req("ingest", {"columns": ["id", "name"], "data": [["1", "2"], ["a"]]}))
write("request", "bin_and_ext", req("ingest", {"columns": ["id"], "data": [[b"\xff\x00", msgpack.ExtType(5, b"ab")]]}))
write("request", "string_id", req("stats", rid="abc"))
write("request", "bad_version", req("health", v=99))
write("request", "not_a_map", msgpack.packb([1, 2, 3]))
write("request", "deep", b"\x91" * 40 + b"\xc0")
write("request", "huge_str", b"\x81\xa2op\xdb\xff\xff\xff\xf0abc")

# ---- normalizers ------------------------------------------------------------
for i, s in enumerate([b"\x00+7 (916) 123-45-67", b"\x00" + "8 916 123 45 67 доб. 123".encode(), b"\x00+1 650 253 0000",
                       b"\x0189160000000", b"\x02030 123456", b"\x03+7 727 123 4567", b"\x00tel:+7-495-1234567",
                       b"\x00+7 916 123 45 67 ext 55", b"\x00\xd0\x9f"]):
    write("phone", str(i), s)
for i, s in enumerate(["Ivan.Petrov+tag@GMAIL.com", "  user@gmial.com ", "ivan@ya.ru", "плохой@почта.рф",
                       "a@b", "test@test.ru", "x..y@mail.ru", "\"quoted\"@example.com"]):
    write("email", str(i), s)
for i, s in enumerate([b"\x00" + b"23.05.1973", b"\x01" + b"03/04/1990", b"\x02" + b"1.2.85", b"\x04" + b"2030-01-01",
                       b"\x00" + b"19850312", b"\x00" + b"29.02.2001", b"\x00" + b"1985-03-12T10:00:00",
                       b"\x00" + "12 марта 1985".encode()]):
    write("date", str(i), s)
for i, parts in enumerate([[b"\xd0\x98\xd0\xb2\xd0\xb0\xd0\xbd\xd0\xbe\xd0\xb2 \xd0\x98\xd0\xb2\xd0\xb0\xd0\xbd "
                            b"\xd0\x98\xd0\xb2\xd0\xb0\xd0\xbd\xd0\xbe\xd0\xb2\xd0\xb8\xd1\x87"],
                           ["Иванова А. Б.".encode()],
                           [b"", "Сидоров".encode(), "Олег".encode(), "Петрович".encode()],
                           [b"John Smith"], [b"SMITH, John"],
                           ["Мамедов Эльчин Рашид оглы".encode()], [b"ivanov ivan ivanovich"]]):
    write("name", str(i), SEP.join(parts))
for i, s in enumerate(["г. Тюмень, ул. Гагарина 68-203", "191765, г Санкт-Петербург, Садовая ул, д 102",
                       "Московская обл., Одинцовский р-н, пос. Лесной, ш. Минское д.5 корп.2 кв.7",
                       "123 Main St, Apt 5, Springfield, IL 62704", "g. Moskva, ul. Lenina, d. 5",
                       "620014, свердловская область, город екатеринбург, улица ленина, дом 12, квартира 45"]):
    write("address", str(i), s)

# ---- config -----------------------------------------------------------------
write("config", "columns", '[columns]\nrecord_id = "id"\nphone = ["Телефон", "Телефон 2"]\n')
write("config", "matching", "[matching]\nthreshold = 0.9\n[[matching.blocking]]\nkeys = [\"phone\"]\n")
write("config", "loop", "[staleness]\nphone_half_life_days = 1095\n[[segment]]\nname = \"vip\"\n"
      "when = \"value_tier == 'high'\"\n[calllist]\nwindow = \"09:00-21:00\"\n")
write("config", "bad", "[columns\nphone = \n")
write("config", "unknown_key", "[nope]\nx = 1\n")

# ---- operators' files ---------------------------------------------------------
write("outcomes", "outcomes", "entity,phone,outcome,date,operator,new_phone\n"
      "1,+79161234567,confirmed,2026-12-04,op1,\n2,89160000001,updated,04.12.2026,op2,+79169999999\n"
      "x,,maybe,yesterday,,\n")
write("outcomes", "suppression", "value,kind,reason,source,date\n+79160000000,phone,do_not_call,crm,2026-12-01\n"
      "test@test.ru,email,placeholder,,\n,,,\n")
write("outcomes", "survey", "entity;email;outcome;date;survey.channel\n3;a@b.ru;confirmed;2026-12-04;phone\n")

# ---- numbering ----------------------------------------------------------------
write("numbering", "register", "АВС/ DEF;От;До;Емкость;Оператор;Регион;Территория ГАР;ИНН\n"
      "900;0000000;0061999;62000;ООО \"Т2 Мобайл\";Краснодарский край;;7743895280\n"
      "900;0062000;0062999;1000;ООО \"Т2 Мобайл\";Краснодарский край;;7743895280\n"
      "901;1000000;1999999;999;ПАО \"МТС\";г. Москва и Московская область;;\n"
      "902;5;4;1;bad;row\n")
write("numbering", "crlf_bom", "\ufeffАВС/ DEF;От;До;Емкость;Оператор;Регион\r\n916;0000000;9999999;10000000;МТС;Москва\r\n")
print("seeds written under", os.path.join(HERE, "corpus"))
