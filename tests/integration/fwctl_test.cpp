// fwctl against a real fwd, as a new user would drive it: the properties file fwd wrote, then
// create, invoke, list and read activations.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <fstream>

#include "fwd_process.hpp"

namespace fw::test {
namespace {

struct Run {
    int status;
    std::string out;
};

Run fwctl(const FwdProcess& fwd, const std::string& args, const std::filesystem::path& cwd) {
    std::string cmd = "cd " + cwd.string() + " && env -u FW_APIHOST -u FW_AUTH WSK_CONFIG_FILE=" +
                      fwd.wskprops().string() + " " + FW_FWCTL_BINARY + " " + args + " 2>&1";
    FILE* p = popen(cmd.c_str(), "r");
    std::string out;
    char buf[4096];
    while (fgets(buf, sizeof buf, p)) out += buf;
    int st = pclose(p);
    return {WIFEXITED(st) ? WEXITSTATUS(st) : -1, out};
}

TEST(Fwctl, QuickStartFlow) {
    TempDir dir;
    FwdProcess fwd(dir.path() / "data");
    fwd.start();
    std::ofstream(dir.path() / "hello.py")
        << "def main(args):\n    print('greeting', args.get('name'))\n"
           "    return {'greeting': 'Hello ' + args.get('name', 'stranger')}\n";

    auto created = fwctl(fwd, "action create hello hello.py", dir.path());
    EXPECT_EQ(created.status, 0) << created.out;
    auto invoked = fwctl(fwd, "action invoke hello -r -p name World", dir.path());
    EXPECT_EQ(invoked.status, 0) << invoked.out;
    EXPECT_NE(invoked.out.find("\"greeting\": \"Hello World\""), std::string::npos) << invoked.out;

    auto list = fwctl(fwd, "action list", dir.path());
    EXPECT_EQ(list.status, 0);
    EXPECT_NE(list.out.find("/guest/hello"), std::string::npos) << list.out;

    auto logs = fwctl(fwd, "activation logs --last", dir.path());
    EXPECT_EQ(logs.status, 0) << logs.out;
    EXPECT_NE(logs.out.find("stdout: greeting World"), std::string::npos) << logs.out;
    auto result = fwctl(fwd, "activation result --last", dir.path());
    EXPECT_NE(result.out.find("Hello World"), std::string::npos) << result.out;
    auto json = fwctl(fwd, "--json activation list", dir.path());
    EXPECT_EQ(json.status, 0);
    auto parsed = Json::parse(json.out, nullptr, false);
    ASSERT_TRUE(parsed.is_array()) << json.out;
    EXPECT_EQ(parsed.size(), 1u);

    auto dup = fwctl(fwd, "action create hello hello.py", dir.path());
    EXPECT_NE(dup.status, 0);
    EXPECT_NE(dup.out.find("error: resource already exists"), std::string::npos) << dup.out;
    auto missing = fwctl(fwd, "action invoke nope -r", dir.path());
    EXPECT_NE(missing.status, 0);
    EXPECT_NE(missing.out.find("error: The requested resource does not exist."), std::string::npos);

    // Usage and instances, as an operator or a developer checks them.
    auto usage = fwctl(fwd, "usage --csv", dir.path());
    EXPECT_EQ(usage.status, 0) << usage.out;
    EXPECT_NE(usage.out.find("action,invocations,errors,coldStarts,gbSeconds,cpuSeconds,cost"), std::string::npos) << usage.out;
    EXPECT_NE(usage.out.find("hello,1,0,"), std::string::npos) << usage.out;
    auto table = fwctl(fwd, "usage", dir.path());
    EXPECT_EQ(table.status, 0) << table.out;
    EXPECT_NE(table.out.find("TOTAL"), std::string::npos) << table.out;
    auto inst = fwctl(fwd, "instances", dir.path());
    EXPECT_EQ(inst.status, 0) << inst.out;
    EXPECT_NE(inst.out.find("hello"), std::string::npos) << inst.out;
    EXPECT_NE(inst.out.find("pool:"), std::string::npos) << inst.out;

    auto removed = fwctl(fwd, "action delete hello", dir.path());
    EXPECT_EQ(removed.status, 0) << removed.out;
    EXPECT_EQ(fwd.stop(), 0);
}

}  // namespace
}  // namespace fw::test
