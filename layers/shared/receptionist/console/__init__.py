"""The staff console: a web app (FastAPI behind Mangum) where a business's staff see their
conversations, take one over and reply as the business, and hand it back to the assistant."""
