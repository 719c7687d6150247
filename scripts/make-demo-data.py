#!/usr/bin/env python3
"""Derives data/demo/online-retail-sample.csv from UCI Online Retail (CC BY 4.0, doi:10.24432/C5BW33).

Keeps the original columns and row format, so the demo runs the real importer, odd rows included:
a seeded sample of customers with enough purchases, their lines for the 1,000 most sold products,
plus their cancellations and a few lines without a customer id. Usage:
    python3 scripts/make-demo-data.py ../shared/data/online-retail/online_retail.csv data/demo/online-retail-sample.csv
"""
import csv, random, sys
from collections import Counter, defaultdict

src, dst = sys.argv[1], sys.argv[2]
rows = list(csv.DictReader(open(src, encoding='utf-8')))
fields = list(rows[0].keys())
product_sales = Counter(r['StockCode'] for r in rows if r['CustomerID'] and not r['InvoiceNo'].startswith('C'))
top = {code for code, _ in product_sales.most_common(1000)}
by_customer = defaultdict(list)
for r in rows:
    if r['CustomerID']:
        by_customer[r['CustomerID']].append(r)
eligible = sorted(c for c, rs in by_customer.items()
                  if len({r['StockCode'] for r in rs if r['StockCode'] in top and not r['InvoiceNo'].startswith('C')}) >= 15)
rng = random.Random(7)
chosen = set(rng.sample(eligible, 450))
out = [r for r in rows if r['CustomerID'] in chosen and r['StockCode'] in top]
anonymous = [r for r in rows if not r['CustomerID'] and r['StockCode'] in top]
out += rng.sample(anonymous, 200)
out.sort(key=lambda r: (r['InvoiceDate'], r['InvoiceNo']))
with open(dst, 'w', encoding='utf-8', newline='') as f:
    w = csv.DictWriter(f, fieldnames=fields, lineterminator='\n')
    w.writeheader()
    w.writerows(out)
print(f'{len(out)} lines, {len(chosen)} customers, {len({r["StockCode"] for r in out})} products -> {dst}')
