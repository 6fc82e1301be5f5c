-- filter: timestamp_ms != 5.5
1
-- params: 0
