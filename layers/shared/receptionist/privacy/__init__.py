"""One customer's data of one business, everywhere: the data map (stores.py), where each store
keeps their items (keys.py), and blocking and erasing them (forget.py). docs/privacy.md."""
