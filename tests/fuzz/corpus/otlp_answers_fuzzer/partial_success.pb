
3 spans had no trace id