+tracelake is overloaded; retry with backoff6
(type.googleapis.com/google.rpc.RetryInfo

€Êµî