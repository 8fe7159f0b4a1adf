#include "fwd_process.hpp"

#include <gtest/gtest.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <fstream>
#include <sstream>
#include <thread>

namespace fw::test {
namespace fs = std::filesystem;

TempDir::TempDir() {
    char tmpl[] = "/tmp/fw-it-XXXXXX";
    if (mkdtemp(tmpl) == nullptr) throw std::runtime_error("mkdtemp failed");
    path_ = tmpl;
}

TempDir::~TempDir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
}

FwdProcess::FwdProcess(fs::path dataDir, std::vector<std::string> extraArgs)
    : dataDir_(std::move(dataDir)), extra_(std::move(extraArgs)) {
    logFile_ = dataDir_.parent_path() / "fwd.log";
    cgroupParent_ = "fwtest-" + std::to_string(getpid()) + "-" + dataDir_.parent_path().filename().string();
    for (auto& ch : cgroupParent_) {
        if (!std::isalnum(static_cast<unsigned char>(ch)) && ch != '-') ch = '-';
    }
    std::transform(cgroupParent_.begin(), cgroupParent_.end(), cgroupParent_.begin(),
                   [](unsigned char ch) { return static_cast<char>(std::tolower(ch)); });
}

FwdProcess::~FwdProcess() {
    if (pid_ > 0) {
        ::kill(pid_, SIGKILL);
        waitpid(pid_, nullptr, 0);
    }
    waitForNoLeftovers(std::chrono::seconds(10));
    // The (empty) parent cgroups this test's daemon made.
    std::error_code ec;
    for (const auto& h : fs::directory_iterator("/sys/fs/cgroup", ec)) {
        fs::path parent = h.path() / cgroupParent_;
        if (fs::is_directory(parent, ec)) ::rmdir(parent.c_str());
    }
}

std::vector<pid_t> FwdProcess::instanceProcesses() const {
    std::vector<pid_t> out;
    std::error_code ec;
    std::string needle = ":/" + cgroupParent_ + "/";
    for (const auto& e : fs::directory_iterator("/proc", ec)) {
        std::string name = e.path().filename().string();
        if (name.find_first_not_of("0123456789") != std::string::npos) continue;
        std::ifstream in(e.path() / "cgroup");
        std::string line;
        while (std::getline(in, line)) {
            if (line.find(needle) != std::string::npos) {
                out.push_back(std::stoi(name));
                break;
            }
        }
    }
    return out;
}

std::vector<std::string> FwdProcess::instanceCgroups() const {
    std::vector<std::string> out;
    std::error_code ec;
    for (const auto& h : fs::directory_iterator("/sys/fs/cgroup", ec)) {
        fs::path parent = h.path() / cgroupParent_;
        std::error_code ec2;
        for (const auto& child : fs::directory_iterator(parent, ec2)) {
            if (child.is_directory()) out.push_back(child.path().string());
        }
    }
    return out;
}

std::vector<std::string> FwdProcess::waitForNoLeftovers(std::chrono::milliseconds timeout) const {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (true) {
        std::vector<std::string> left = instanceCgroups();
        for (pid_t p : instanceProcesses()) left.push_back("process " + std::to_string(p));
        if (left.empty() || std::chrono::steady_clock::now() > deadline) return left;
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
}

void FwdProcess::start() {
    int out[2];
    ASSERT_EQ(pipe2(out, O_CLOEXEC), 0);
    std::vector<std::string> args = {FW_FWD_BINARY, "standalone", "--listen", "127.0.0.1:0",
                                     "--data-dir", dataDir_.string(), "--wskprops",
                                     wskprops().string(), "--log-level", "debug",
                                     "--cgroup-parent", cgroupParent_};
    args.insert(args.end(), extra_.begin(), extra_.end());
    pid_ = fork();
    ASSERT_GE(pid_, 0);
    if (pid_ == 0) {
        dup2(out[1], 1);
        int log = ::open(logFile_.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
        dup2(log, 2);
        std::vector<char*> argv;
        for (auto& a : args) argv.push_back(a.data());
        argv.push_back(nullptr);
        execv(argv[0], argv.data());
        _exit(127);
    }
    close(out[1]);
    std::string buf;
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    while (buf.find('\n') == std::string::npos) {
        auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
        if (left.count() <= 0) break;
        pollfd p{out[0], POLLIN, 0};
        if (poll(&p, 1, static_cast<int>(left.count())) <= 0) break;
        char c[256];
        ssize_t n = read(out[0], c, sizeof c);
        if (n <= 0) break;
        buf.append(c, static_cast<std::size_t>(n));
    }
    close(out[0]);
    const std::string prefix = "fwd ready on ";
    auto pos = buf.find(prefix);
    ASSERT_NE(pos, std::string::npos) << "fwd did not become ready; its log:\n" << log();
    apiHost_ = buf.substr(pos + prefix.size(), buf.find('\n', pos) - pos - prefix.size());
}

int FwdProcess::stop(std::chrono::seconds timeout) {
    if (pid_ <= 0) return -1;
    ::kill(pid_, SIGTERM);
    int status = -1;
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
        pid_t r = waitpid(pid_, &status, WNOHANG);
        if (r == pid_) {
            pid_ = -1;
            return status;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    ::kill(pid_, SIGKILL);
    waitpid(pid_, &status, 0);
    pid_ = -1;
    ADD_FAILURE() << "fwd did not stop within " << timeout.count() << " s of SIGTERM";
    return status;
}

void FwdProcess::kill9() {
    if (pid_ <= 0) return;
    ::kill(pid_, SIGKILL);
    waitpid(pid_, nullptr, 0);
    pid_ = -1;
}

std::string FwdProcess::guestAuth() const {
    std::ifstream in(dataDir_ / "guest.auth");
    std::string key;
    in >> key;
    return key;
}

client::Client FwdProcess::client(const std::string& auth) const {
    client::Config cfg;
    cfg.apiHost = apiHost_;
    cfg.auth = auth.empty() ? guestAuth() : auth;
    cfg.ns = "_";
    return client::Client(cfg);
}

std::string FwdProcess::log() const {
    std::ifstream in(logFile_);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

std::int64_t ledgerInvocations(client::Client& c) {
    auto r = c.request("GET", "namespaces/_/usage");
    return r && r->status == 200 ? (*r->json())["total"]["invocations"].get<std::int64_t>() : -1;
}

Result<Json> waitForActivation(client::Client& c, const std::string& id,
                               std::chrono::milliseconds timeout) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (true) {
        auto r = c.getActivation(id);
        if (r || r.error().code != Errc::NotFound || std::chrono::steady_clock::now() > deadline) {
            return r;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
}

Json actionBody(const std::string& kind, const std::string& code, Json limits,
                const std::string& main) {
    Json exec = {{"kind", kind}, {"code", code}};
    if (!main.empty()) exec["main"] = main;
    Json body = {{"exec", exec}};
    if (!limits.empty()) body["limits"] = limits;
    return body;
}

}  // namespace fw::test
