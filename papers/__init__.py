"""arXiv: ids and links, metadata fetching. No chat, no model, no SQL here."""
