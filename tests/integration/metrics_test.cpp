// GET /metrics against a real fwd: Prometheus text that promtool accepts, with the counts the
// activations produced; and the Server-Timing header of invoke responses.
#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <regex>

#include "fwd_process.hpp"

namespace fw::test {
namespace {

TEST(Metrics, ExpositionPassesPromtoolAndCountsActivations) {
    ASSERT_EQ(std::system("command -v promtool >/dev/null"), 0)
        << "promtool is missing: scripts/deps.sh installs Debian's 'prometheus' package";
    TempDir dir;
    FwdProcess fwd(dir.path() / "data", {"--prewarm", "python:3:256=1"});
    fwd.start();
    auto c = fwd.client();
    ASSERT_TRUE(c.putAction("m-ok", Json{{"exec", {{"kind", "python:3"}, {"code", "def main(a):\n    return {}\n"}}}}, false));
    ASSERT_TRUE(c.putAction("m-err", Json{{"exec", {{"kind", "nodejs:20"}, {"code", "function main() { return {error: 'x'}; }"}}}}, false));
    for (int i = 0; i < 3; ++i) {
        auto r = c.invokeAction("m-ok", Json::object(), true, false);
        ASSERT_TRUE(r);
        // Where the time went, for every answered blocking invoke.
        EXPECT_TRUE(std::regex_match(r->header("server-timing"),
                                     std::regex(R"(wait;dur=\d+, init;dur=\d+, run;dur=\d+)")))
            << r->header("server-timing");
    }
    ASSERT_TRUE(c.invokeAction("m-err", Json::object(), true, false));

    client::Config cfg;
    cfg.apiHost = fwd.apiHost();
    client::Client anon(cfg);
    auto m = anon.request("GET", "../../metrics");
    ASSERT_TRUE(m);
    ASSERT_EQ(m->status, 200) << m->body;
    EXPECT_EQ(m->header("content-type").rfind("text/plain; version=0.0.4", 0), 0u);
    const std::string& text = m->body;
    EXPECT_NE(text.find(R"(fw_activations_total{namespace="guest",action="m-ok",status="success"} 3)"),
              std::string::npos) << text;
    EXPECT_NE(text.find(R"(fw_activations_total{namespace="guest",action="m-err",status="application error"} 1)"),
              std::string::npos) << text;
    EXPECT_NE(text.find(R"(fw_activation_duration_seconds_count{namespace="guest"} 4)"), std::string::npos);
    EXPECT_NE(text.find(R"(fw_activation_starts_total{namespace="guest",action="m-ok",start="warm"} 2)"),
              std::string::npos) << text;
    EXPECT_NE(text.find("fw_pool_memory_used_bytes "), std::string::npos);
    EXPECT_NE(text.find("fw_queue_length 0"), std::string::npos);
    EXPECT_NE(text.find(R"(fw_instances{state="idle"} )"), std::string::npos);

    std::string file = (dir.path() / "metrics.txt").string();
    std::ofstream(file) << text;
    std::string cmd = "promtool check metrics < " + file + " 2>&1";
    FILE* p = popen(cmd.c_str(), "r");
    std::string out;
    char buf[512];
    while (fgets(buf, sizeof buf, p)) out += buf;
    int status = pclose(p);
    EXPECT_EQ(status, 0) << "promtool rejected /metrics:\n" << out;
    EXPECT_EQ(fwd.stop(), 0);
}

}  // namespace
}  // namespace fw::test
