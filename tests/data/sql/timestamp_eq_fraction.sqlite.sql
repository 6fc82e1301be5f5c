-- filter: timestamp_ms = 5.5
0
-- params: 0
