"""One customer's data of one business, everywhere: the data map (stores.py), where each store
keeps their items (keys.py), blocking and erasing them (forget.py), and exporting them (export*.py).
docs/privacy.md."""
