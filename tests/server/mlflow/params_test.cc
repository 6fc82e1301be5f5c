#include "server/mlflow/params.h"

#include <gtest/gtest.h>

namespace tracelake::server {
namespace {

Json MustParse(const std::string& s) {
  auto j = ParseJsonBody(s);
  EXPECT_TRUE(j.ok()) << j.status().ToString();
  return j.ok() ? *j : Json();
}

TEST(ParseJsonBodyTest, BlankBodyIsAnEmptyObject) {
  EXPECT_EQ(MustParse(""), Json::object());
  EXPECT_EQ(MustParse(" \r\n\t"), Json::object());
}

TEST(ParseJsonBodyTest, MalformedBodyNamesTheByteButNotTheContent) {
  auto j = ParseJsonBody("{\"prompt\": \"my secret password\" oops}");
  ASSERT_FALSE(j.ok());
  EXPECT_EQ(j.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(j.status().message().find("Malformed JSON body: syntax error at byte"),
            std::string::npos)
      << j.status().message();
  EXPECT_EQ(j.status().message().find("secret"), std::string::npos);
  EXPECT_EQ(j.status().message().find("oops"), std::string::npos);
}

TEST(ParseJsonBodyTest, RefusesHostileNestingWithoutRecursing) {
  std::string deep(100000, '[');
  auto j = ParseJsonBody(deep);
  ASSERT_FALSE(j.ok());
  EXPECT_NE(j.status().message().find("nested deeper than 256"), std::string::npos);
  // Brackets inside strings do not count.
  std::string in_string = "{\"a\": \"" + std::string(1000, '[') + "\"}";
  EXPECT_TRUE(ParseJsonBody(in_string).ok());
  EXPECT_TRUE(ParseJsonBody(std::string(256, '[') + std::string(256, ']')).ok());
}

TEST(ParseJsonBodyTest, TruncatedAndBinaryBodiesAreErrors) {
  EXPECT_FALSE(ParseJsonBody("{\"a\":").ok());
  EXPECT_FALSE(ParseJsonBody(std::string("\x00\x01\x02", 3)).ok());
  EXPECT_FALSE(ParseJsonBody("{\"a\":1}{").ok());
}

TEST(DumpJsonTest, ReplacesInvalidUtf8InsteadOfThrowing) {
  Json j = std::string(
      "a\xff"
      "b");
  std::string out = DumpJson(j);
  EXPECT_TRUE(ParseJsonBody(out).ok()) << out;
}

TEST(ParamReaderTest, GetTakesQueryStringAndRepeatedKeysBecomeLists) {
  HttpRequest req;
  req.method = "GET";
  req.query = {{"trace_ids", "a"}, {"trace_ids", "b"}, {"max_results", "5"}, {"x", "1"}};
  req.body = "{\"ignored\": true}";
  auto params = ParamReader::FromRequest(req);
  ASSERT_TRUE(params.ok());
  EXPECT_EQ(*params, Json({{"trace_ids", {"a", "b"}}, {"max_results", "5"}, {"x", "1"}}));
  ParamReader p(*params);
  EXPECT_EQ(*p.StringList("trace_ids"), (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(*p.StringList("x"), (std::vector<std::string>{"1"}));
  EXPECT_EQ(**p.OptInt("max_results", 1, 10), 5);
}

TEST(ParamReaderTest, GetWithoutQueryReadsAJsonBodyAsMlflowDoes) {
  HttpRequest req;
  req.method = "GET";
  req.body = "{\"experiment_id\": \"3\"}";
  auto params = ParamReader::FromRequest(req);
  ASSERT_TRUE(params.ok());
  EXPECT_EQ((*params)["experiment_id"], "3");
}

TEST(ParamReaderTest, PostBodyWinsOverQueryString) {
  HttpRequest req;
  req.method = "POST";
  req.query = {{"key", "from-query"}, {"other", "q"}};
  req.body = "{\"key\": \"from-body\"}";
  auto params = ParamReader::FromRequest(req);
  ASSERT_TRUE(params.ok());
  EXPECT_EQ((*params)["key"], "from-body");
  EXPECT_EQ((*params)["other"], "q");
}

TEST(ParamReaderTest, DecodesDoubleEncodedBodiesAsMlflowDoes) {
  HttpRequest req;
  req.method = "POST";
  req.body = Json(Json({{"name", "exp"}}).dump()).dump();  // "{\"name\":\"exp\"}"
  auto params = ParamReader::FromRequest(req);
  ASSERT_TRUE(params.ok()) << params.status().ToString();
  EXPECT_EQ((*params)["name"], "exp");
}

TEST(ParamReaderTest, RefusesNonObjectBodies) {
  for (const char* body : {"[1,2]", "42", "\"[1]\""}) {
    HttpRequest req;
    req.method = "POST";
    req.body = body;
    auto params = ParamReader::FromRequest(req);
    ASSERT_FALSE(params.ok()) << body;
    EXPECT_EQ(params.status().message(), "Request body must be a JSON object");
  }
  HttpRequest null_body;
  null_body.method = "POST";
  null_body.body = "null";
  EXPECT_EQ(*ParamReader::FromRequest(null_body), Json::object());
}

TEST(ParamReaderTest, MissingRequiredParameterUsesMlflowWording) {
  Json j = {{"name", ""}};
  ParamReader p(j);
  auto s = p.RequiredString("experiment_id");
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.status().message(),
            "Missing value for required parameter 'experiment_id'. See the API docs for more "
            "information about request parameters.");
  EXPECT_FALSE(p.RequiredString("name").ok()) << "empty strings count as missing";
}

TEST(ParamReaderTest, WrongTypeNamesThePythonTypeLikeMlflow) {
  Json j = {{"name", 12}, {"nested", {{"deep", {1, 2}}}}};
  ParamReader p(j);
  auto s = p.RequiredString("name");
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(
      s.status().message(),
      "Invalid value 12 for parameter 'name' supplied. Hint: Value was of type 'int'. See the "
      "API docs for more information about request parameters.");
  auto nested = p.RequiredObject("nested");
  ASSERT_TRUE(nested.ok());
  auto deep = nested->OptString("deep");
  ASSERT_FALSE(deep.ok());
  EXPECT_NE(deep.status().message().find("'nested.deep'"), std::string::npos);
  EXPECT_NE(deep.status().message().find("'list'"), std::string::npos);
}

TEST(ParamReaderTest, NumbersAreStringsOnlyWhereMlflowStringifiesThem) {
  Json j = {{"experiment_id", 7}, {"experiment_ids", {1, "2"}}};
  ParamReader p(j);
  EXPECT_EQ(*p.RequiredString("experiment_id", /*allow_number=*/true), "7");
  EXPECT_FALSE(p.RequiredString("experiment_id").ok());
  EXPECT_EQ(*p.StringList("experiment_ids", false, true), (std::vector<std::string>{"1", "2"}));
  EXPECT_FALSE(p.StringList("experiment_ids").ok());
}

TEST(ParamReaderTest, IntegersAcceptDecimalStringsAndCheckRange) {
  Json j = {{"a", "500"},
            {"b", 501},
            {"c", "5x"},
            {"d", 2.0},
            {"e", 2.5},
            {"f", true},
            {"g", "99999999999999999999"},
            {"h", 18446744073709551615ULL}};
  ParamReader p(j);
  EXPECT_EQ(**p.OptInt("a", 1, 500), 500);
  auto b = p.OptInt("b", 1, 500);
  ASSERT_FALSE(b.ok());
  EXPECT_NE(b.status().message().find("must be between 1 and 500"), std::string::npos);
  for (const char* bad : {"c", "e", "f", "g", "h"}) EXPECT_FALSE(p.OptInt(bad).ok()) << bad;
  EXPECT_EQ(**p.OptInt("d"), 2);
  EXPECT_FALSE(p.OptInt("absent")->has_value());
}

TEST(ParamReaderTest, BooleansFromJsonOrQueryStrings) {
  Json j = {{"a", true}, {"b", "False"}, {"c", "TRUE"}, {"d", "yes"}, {"e", 1}};
  ParamReader p(j);
  EXPECT_TRUE(**p.OptBool("a"));
  EXPECT_FALSE(**p.OptBool("b"));
  EXPECT_TRUE(**p.OptBool("c"));
  auto d = p.OptBool("d");
  ASSERT_FALSE(d.ok());
  EXPECT_EQ(d.status().message(), "Invalid boolean value: \"yes\", must be 'true' or 'false'.");
  EXPECT_FALSE(p.OptBool("e").ok());
}

TEST(ParamReaderTest, StringMapsFromObjectsOrKeyValueLists) {
  Json j = {{"obj", {{"a", "1"}, {"n", 2}, {"skip", nullptr}}},
            {"list", {{{"key", "a"}, {"value", "1"}}, {{"key", "b"}}}},
            {"bad_list", {{{"value", "1"}}}},
            {"nested", {{"a", {{"x", 1}}}}},
            {"scalar", "x"}};
  ParamReader p(j);
  EXPECT_EQ(*p.StringMap("obj"), (std::map<std::string, std::string>{{"a", "1"}, {"n", "2"}}));
  EXPECT_EQ(*p.StringMap("list"), (std::map<std::string, std::string>{{"a", "1"}, {"b", ""}}));
  EXPECT_FALSE(p.StringMap("bad_list").ok());
  EXPECT_FALSE(p.StringMap("nested").ok());
  EXPECT_FALSE(p.StringMap("scalar").ok());
  EXPECT_TRUE(p.StringMap("absent")->empty());
}

TEST(ParamReaderTest, LongOffendingValuesAreTruncatedInMessages) {
  Json j = {{"name", Json::array({std::string(10000, 'x')})}};
  ParamReader p(j);
  auto s = p.RequiredString("name");
  ASSERT_FALSE(s.ok());
  EXPECT_LT(s.status().message().size(), 300u);
}

}  // namespace
}  // namespace tracelake::server
