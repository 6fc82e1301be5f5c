-- filter: timestamp_ms != 5.5
TRUE
-- params: 0
