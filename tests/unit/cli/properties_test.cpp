#include "fw/client/properties.hpp"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <cstdlib>
#include <fstream>
#include <map>
#include <sstream>

#include "fw/client/config.hpp"

namespace fw::client {
namespace {

TEST(Properties, GetReadsLastValueTrimmedAndCaseInsensitive) {
    auto p = PropertiesFile::parse(
        "# a comment\nAPIHOST=first\n  APIHOST = second  \nauth=uuid:key\nNOEQUALS\n=novalue\n");
    EXPECT_EQ(p.get("APIHOST"), "second");
    EXPECT_EQ(p.get("AUTH"), "uuid:key");
    EXPECT_EQ(p.get("NAMESPACE"), std::nullopt);
    EXPECT_EQ(p.get("NOEQUALS"), std::nullopt);
}

TEST(Properties, EditsKeepEverythingElse) {
    struct Case {
        std::string name, before;
        std::function<void(PropertiesFile&)> edit;
        std::string after;
    } cases[] = {
        {"set existing in place", "# hi\nAPIHOST=a\nAPIGW_ACCESS_TOKEN=t\n",
         [](auto& p) { p.set("APIHOST", "b"); }, "# hi\nAPIHOST=b\nAPIGW_ACCESS_TOKEN=t\n"},
        {"set appends", "# hi\n\nX=1\n", [](auto& p) { p.set("AUTH", "u:k"); },
         "# hi\n\nX=1\nAUTH=u:k\n"},
        {"set on a file without final newline", "X=1", [](auto& p) { p.set("AUTH", "u:k"); },
         "X=1\nAUTH=u:k\n"},
        {"set drops duplicates", "A=1\nB=2\nA=3\n", [](auto& p) { p.set("A", "9"); }, "A=9\nB=2\n"},
        {"set on empty", "", [](auto& p) { p.set("NAMESPACE", "_"); }, "NAMESPACE=_\n"},
        {"unset removes all", "A=1\n# keep\nA=2\nB=3", [](auto& p) { EXPECT_TRUE(p.unset("a")); },
         "# keep\nB=3"},
        {"unset missing", "B=3\n", [](auto& p) { EXPECT_FALSE(p.unset("A")); }, "B=3\n"},
        {"comment that looks like a key", "#APIHOST=x\n", [](auto& p) { p.set("APIHOST", "y"); },
         "#APIHOST=x\nAPIHOST=y\n"},
        {"untouched round trip", "  # c\r\nK = v \n\n\n", [](auto&) {}, "  # c\r\nK = v \n\n\n"},
    };
    for (auto& c : cases) {
        SCOPED_TRACE(c.name);
        auto p = PropertiesFile::parse(c.before);
        c.edit(p);
        EXPECT_EQ(p.text(), c.after);
    }
}

class TempDir : public ::testing::Test {
  protected:
    void SetUp() override {
        char tmpl[] = "/tmp/fw-cli-test-XXXXXX";
        ASSERT_NE(::mkdtemp(tmpl), nullptr);
        dir_ = tmpl;
    }
    void TearDown() override { std::filesystem::remove_all(dir_); }
    std::filesystem::path dir_;
};

using PropertiesFileIo = TempDir;

TEST_F(PropertiesFileIo, MissingFileReadsEmptyAndWriteRoundTrips) {
    auto path = dir_ / "wskprops";
    auto p = readPropertiesFile(path);
    ASSERT_TRUE(p) << p.error().message;
    EXPECT_EQ(p->text(), "");
    p->set("APIHOST", "127.0.0.1:3233");
    ASSERT_TRUE(writePropertiesFile(path, *p));
    struct stat st {};
    ASSERT_EQ(::stat(path.c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 0777, 0600u) << "a new file holds a key: owner only";

    auto again = readPropertiesFile(path);
    ASSERT_TRUE(again);
    EXPECT_EQ(again->get("APIHOST"), "127.0.0.1:3233");
    EXPECT_EQ(again->text(), "APIHOST=127.0.0.1:3233\n");
}

TEST_F(PropertiesFileIo, WriteKeepsModeAndCommentsOfExistingFile) {
    auto path = dir_ / "wskprops";
    { std::ofstream(path) << "# mine\nFOO=bar\nAUTH=old\n"; }
    ::chmod(path.c_str(), 0640);
    auto p = readPropertiesFile(path);
    ASSERT_TRUE(p);
    p->set("AUTH", "new");
    ASSERT_TRUE(writePropertiesFile(path, *p));
    std::ifstream in(path);
    std::stringstream ss;
    ss << in.rdbuf();
    EXPECT_EQ(ss.str(), "# mine\nFOO=bar\nAUTH=new\n");
    struct stat st {};
    ASSERT_EQ(::stat(path.c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 0777, 0640u);
}

TEST_F(PropertiesFileIo, WriteIntoMissingDirectoryFails) {
    auto r = writePropertiesFile(dir_ / "nope" / "wskprops", PropertiesFile::parse("A=1\n"));
    ASSERT_FALSE(r);
    EXPECT_NE(r.error().message.find("No such file or directory"), std::string::npos)
        << r.error().message;
}

using ConfigLoad = TempDir;

TEST_F(ConfigLoad, FileThenEnvironment) {
    auto fwFile = dir_ / "fw";
    auto wskFile = dir_ / "wsk";
    {
        std::ofstream(fwFile) << "APIHOST=fw-host\nAUTH=fw:key\nNAMESPACE=fwns\n";
        std::ofstream(wskFile) << "APIHOST=wsk-host\nAUTH=wsk:key\nNAMESPACE=\n";
        std::ofstream(dir_ / ".wskprops") << "APIHOST=home-host\n";
    }
    struct Case {
        std::string name;
        std::map<std::string, std::string> env;
        std::string apiHost, auth, ns;
    } cases[] = {
        {"FW_CONFIG_FILE first",
         {{"FW_CONFIG_FILE", fwFile}, {"WSK_CONFIG_FILE", wskFile}, {"HOME", dir_}},
         "fw-host",
         "fw:key",
         "fwns"},
        {"WSK_CONFIG_FILE next; blank NAMESPACE is _",
         {{"WSK_CONFIG_FILE", wskFile}, {"HOME", dir_}},
         "wsk-host",
         "wsk:key",
         "_"},
        {"HOME/.wskprops last", {{"HOME", dir_}}, "home-host", "", "_"},
        {"missing file is fine", {{"FW_CONFIG_FILE", dir_ / "missing"}}, "", "", "_"},
        {"env overrides the file",
         {{"FW_CONFIG_FILE", fwFile},
          {"FW_APIHOST", "env-host"},
          {"FW_AUTH", "env:key"},
          {"FW_NAMESPACE", "envns"}},
         "env-host",
         "env:key",
         "envns"},
        {"env alone", {{"HOME", dir_ / "none"}, {"FW_NAMESPACE", "x"}}, "", "", "x"},
    };
    for (const auto& c : cases) {
        SCOPED_TRACE(c.name);
        EnvLookup env = [&](std::string_view k) -> std::optional<std::string> {
            auto it = c.env.find(std::string(k));
            if (it == c.env.end()) return std::nullopt;
            return it->second;
        };
        auto cfg = loadConfig(env);
        ASSERT_TRUE(cfg) << cfg.error().message;
        EXPECT_EQ(cfg->apiHost, c.apiHost);
        EXPECT_EQ(cfg->auth, c.auth);
        EXPECT_EQ(cfg->ns, c.ns);
    }
}

TEST_F(ConfigLoad, UnreadableFileIsAnError) {
    // A directory where the file should be: open succeeds on Linux but reading fails, so use a
    // path below a regular file instead (ENOTDIR), which open() rejects for root too.
    auto file = dir_ / "plain";
    { std::ofstream(file) << "x"; }
    EnvLookup env = [&](std::string_view k) -> std::optional<std::string> {
        if (k == "FW_CONFIG_FILE") return (file / "wskprops").string();
        return std::nullopt;
    };
    auto cfg = loadConfig(env);
    ASSERT_FALSE(cfg);
    EXPECT_NE(cfg.error().message.find("Not a directory"), std::string::npos)
        << cfg.error().message;
}

}  // namespace
}  // namespace fw::client
