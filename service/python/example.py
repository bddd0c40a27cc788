#!/usr/bin/env python3
"""Example: ingest three records into a running doppeld and print the entity.

    build/service/doppeld --db var/example &
    python3 service/python/example.py tcp://127.0.0.1:5555
"""
import json
import sys

from doppel_client import Client

endpoint = sys.argv[1] if len(sys.argv) > 1 else "tcp://127.0.0.1:5555"
with Client(endpoint) as client:
    print("server:", client.health()["version"])
    reply = client.ingest([
        {"id": "crm-1", "ФИО": "Иванов Иван Иванович", "Телефон": "8 (912) 345-67-89", "Дата рождения": "12.03.1985"},
        {"id": "crm-2", "ФИО": "Ivanov Ivan", "Телефон": "+7 912 345 67 89", "E-mail": "ivan@gmail.com"},
        {"id": "crm-3", "ФИО": "Петрова Анна", "Телефон": "89031234567"},
    ], source="example")
    print("actions:", reply["actions"], "entities:", reply["entities"])
    print(json.dumps(client.get_entity(reply["entities"][0]), ensure_ascii=False, indent=2))
