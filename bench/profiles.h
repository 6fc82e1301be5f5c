// Synthetic span workloads shared by the benchmarks and the load generator (tracelake_loadgen).
//
//   Profile A: ordinary service spans, ten attributes with 20-byte values each (~565 bytes per
//              span as OTLP protobuf).
//   Profile B: LLM spans carrying a 2 KiB input and a 1 KiB output text attribute plus the
//              usual GenAI keys (model, tokens).
//
// Spans come as traces of up to 8 spans (a root, its children and grandchildren) with
// realistic attribute keys; all spans share one Resource and one Scope object. The same
// (n, seed) gives the same spans on every platform (own PRNG, no <random> distributions).
//
//   std::vector<tracelake::model::Span> spans = MakeProfileA(512, 42);
//   std::string body = tracelake::otlp::EncodeTracesRequestProtobuf(spans);
#pragma once

#include <cstdint>
#include <vector>

#include "model/span.h"

std::vector<tracelake::model::Span> MakeProfileA(int n, uint64_t seed);
std::vector<tracelake::model::Span> MakeProfileB(int n, uint64_t seed);
