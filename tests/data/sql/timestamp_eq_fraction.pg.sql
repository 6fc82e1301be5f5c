-- filter: timestamp_ms = 5.5
FALSE
-- params: 0
