#include "fw/daemon/daemon.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/file.h>
#include <sys/resource.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <iostream>

#include "fw/common/log.hpp"
#include "fw/controller/controller.hpp"
#include "fw/gateway/gateway.hpp"
#include "fw/http/server.hpp"
#include "fw/invoker/invoker.hpp"
#include "fw/invoker/sandbox_launcher.hpp"

namespace fw::daemon {
namespace fs = std::filesystem;
namespace asio = boost::asio;

namespace {

struct StandaloneOptions {
    std::string listen = "127.0.0.1:3233";
    std::string dataDir;
    std::string logLevel = "info";
    std::string wskprops;  // client properties file written on first start if absent
    std::string runtimesDir;
    std::int64_t blockingWaitMs = 60000;
    std::int64_t keepAliveMs = 10 * 60 * 1000;
    int drainSeconds = 30;
    std::string sandboxBinary;
    std::string cgroupParent = "firework";
    bool cgroupFavorDynmods = true;
    // Nice value of the io thread (HTTP, controller, invoker); functions keep fwd's own.
    int ioNice = -10;
    std::int64_t quotaRefreshMs = 2000;  // how soon an admin's quota change applies
    NamespaceQuota quota;  // defaults for namespaces without overrides
    std::int64_t memoryPoolMb = 0;  // 0: half the machine's memory
    std::string prewarm = "python:3:256=2,nodejs:20:256=2";
    std::size_t maxQueued = 1000;
    std::int64_t queueWaitMs = 60000;
    Retention retention;
    SystemLimits limits;  // system bounds of action limits and sizes
    double priceGbSecond = 0.0000166667;
    double priceMillionRequests = 0.20;
};

std::string envOr(const char* name, std::string fallback) {
    const char* v = std::getenv(name);
    return v && *v ? std::string(v) : fallback;
}

std::string defaultDataDir() {
    std::string state = envOr("XDG_STATE_HOME", "");
    if (state.empty()) state = envOr("HOME", "/root") + "/.local/state";
    return state + "/firework";
}

std::string defaultWskprops() {
    return envOr("WSK_CONFIG_FILE", envOr("HOME", "/root") + "/.wskprops");
}

// The runtime shims: next to the binaries in a build tree (build/runtimes), or installed.
std::string defaultRuntimesDir() {
    std::error_code ec;
    fs::path exe = fs::read_symlink("/proc/self/exe", ec);
    for (const auto& candidate : {exe.parent_path().parent_path() / "runtimes",
                                  exe.parent_path().parent_path() / "lib/firework/runtimes",
                                  fs::path(FW_SOURCE_RUNTIMES_DIR)}) {
        if (fs::exists(candidate / "python/launcher.py", ec)) return candidate.string();
    }
    return FW_SOURCE_RUNTIMES_DIR;
}

// The configured bounds must contain their defaults; returns what is wrong, or "".
std::string checkBounds(const SystemLimits& l) {
    auto within = [](std::int64_t v, const Bound& b) { return b.min <= v && v <= b.max; };
    if (!within(l.defaults.timeoutMs, l.timeoutMs)) return "the default action timeout is outside its bounds";
    if (!within(l.defaults.memoryMb, l.memoryMb)) return "the default action memory is outside its bounds";
    if (!within(l.defaults.logsMb, l.logsMb)) return "the default action log size is outside its bounds";
    return "";
}

// fw-sandbox: next to fwd when installed, or in the build tree's sandbox/ folder.
std::string defaultSandboxBinary() {
    std::error_code ec;
    fs::path exe = fs::read_symlink("/proc/self/exe", ec);
    for (const auto& candidate : {exe.parent_path() / "fw-sandbox",
                                  exe.parent_path().parent_path() / "sandbox/fw-sandbox",
                                  fs::path("/usr/lib/firework/fw-sandbox")}) {
        if (fs::exists(candidate, ec)) return candidate.string();
    }
    return (exe.parent_path() / "fw-sandbox").string();
}

Result<std::pair<std::string, std::uint16_t>> parseListen(const std::string& s) {
    auto colon = s.rfind(':');
    if (colon == std::string::npos) {
        return Error{Errc::InvalidArgument, "--listen must be HOST:PORT, not '" + s + "'"};
    }
    try {
        int port = std::stoi(s.substr(colon + 1));
        if (port < 0 || port > 65535) throw std::out_of_range("port");
        return std::pair{s.substr(0, colon), static_cast<std::uint16_t>(port)};
    } catch (...) {
        return Error{Errc::InvalidArgument, "--listen has an invalid port in '" + s + "'"};
    }
}

// Creates the data directory and takes its lock, so two daemons never share one store.
Result<int> prepareDataDir(const fs::path& dir) {
    std::error_code ec;
    fs::create_directories(dir, ec);
    if (ec) {
        return Error{Errc::Unavailable,
                     "the data directory " + dir.string() + " is unusable: " + ec.message()};
    }
    fs::permissions(dir, fs::perms::owner_all, fs::perm_options::replace, ec);
    fs::path lock = dir / "fwd.lock";
    int fd = ::open(lock.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0) {
        return Error{Errc::Unavailable, "the data directory " + dir.string() +
                                            " is unusable: " + sysError("open(\"" + lock.string() + "\")", errno)};
    }
    if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
        ::close(fd);
        return Error{Errc::Unavailable, "the data directory " + dir.string() +
                                            " is in use by another fwd (lock " + lock.string() + ")"};
    }
    return fd;
}

constexpr std::string_view kPropsMarker = "# written by fwd on first start\n";

// The client properties for the guest key. Absent: written. Written by fwd (its first line is
// ours) for another key, that is, for a data directory that is gone: replaced, atomically.
// A file with this key (perhaps edited since), or anyone else's, is left as it is; the caller
// warns about the latter, whose key is not this one.
enum class PropsWrite { Written, Replaced, Current, LeftAlone, Failed };

PropsWrite writeClientProperties(const fs::path& path, const std::string& key,
                                 const std::string& content) {
    std::error_code ec;
    if (fs::exists(path, ec)) {
        std::ifstream in(path);
        std::stringstream text;
        text << in.rdbuf();
        std::string now = text.str();
        if (now.find("AUTH=" + key + "\n") != std::string::npos) return PropsWrite::Current;
        if (now.rfind(kPropsMarker, 0) != 0) return PropsWrite::LeftAlone;
    }
    fs::create_directories(path.parent_path(), ec);
    fs::path tmp = path;
    tmp += ".fwd-tmp";
    int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0) return PropsWrite::Failed;
    bool ok = ::write(fd, content.data(), content.size()) == static_cast<ssize_t>(content.size());
    ::close(fd);
    bool existed = fs::exists(path, ec);
    if (!ok || ::rename(tmp.c_str(), path.c_str()) != 0) {
        fs::remove(tmp, ec);
        return PropsWrite::Failed;
    }
    return existed ? PropsWrite::Replaced : PropsWrite::Written;
}

// Each live instance holds about ten fds in fwd (its pipes, pidfds, control socket and cgroup
// counter files) and each client connection one: the usual soft limit of 1024 would cap a host
// at about a hundred instances. The soft limit goes up to the hard one, as servers do; functions
// get their own limit in the sandbox (RLIMIT_NOFILE there is set per instance).
void raiseOpenFileLimit() {
    rlimit rl{};
    if (::getrlimit(RLIMIT_NOFILE, &rl) != 0 || rl.rlim_cur >= rl.rlim_max) return;
    rlimit want = rl;
    want.rlim_cur = rl.rlim_max;
    if (::setrlimit(RLIMIT_NOFILE, &want) != 0) {
        spdlog::warn("cannot raise the open-file limit from {} to {}: {}", rl.rlim_cur, rl.rlim_max,
                     std::strerror(errno));
    }
}

// The io thread serves every caller; a function is one tenant's code. Without a higher priority
// the io thread gets a core only as often as any function process that shares it, so functions
// that are busy (or merely many, waking up) slow down every other caller's answers, deadlines
// and kills. nginx's worker_priority does the same for its workers. setpriority(PRIO_PROCESS)
// with a thread id changes that thread alone (Linux).
void setIoThreadPriority(int nice) {
    pid_t tid = static_cast<pid_t>(::gettid());
    errno = 0;
    int now = ::getpriority(PRIO_PROCESS, static_cast<id_t>(tid));
    if (errno == 0 && now == nice) return;
    if (::setpriority(PRIO_PROCESS, static_cast<id_t>(tid), nice) != 0) {
        spdlog::warn("cannot set the io thread's nice value to {} (--io-nice): {}; it stays at {}",
                     nice, std::strerror(errno), now);
    }
}

int runStandalone(const StandaloneOptions& o) {
    initLogging(o.logLevel);
    ::signal(SIGPIPE, SIG_IGN);  // a function that dies mid-write must not take us with it
    raiseOpenFileLimit();
    auto listen = parseListen(o.listen);
    if (!listen) {
        std::cerr << "fwd: " << listen.error().message << "\n";
        return 2;
    }
    // Checked before anything is created: a bad configuration changes nothing.
    SystemLimits limits = o.limits;
    limits.blockingWaitMs = o.blockingWaitMs;
    limits.defaultQuota = o.quota;
    if (auto bad = checkBounds(limits); !bad.empty()) {
        std::cerr << "fwd: " << bad << "\n";
        return 2;
    }
    fs::path dataDir = o.dataDir.empty() ? defaultDataDir() : o.dataDir;
    auto lock = prepareDataDir(dataDir);
    if (!lock) {
        std::cerr << "fwd: " << lock.error().message << "\n";
        return 1;
    }
    auto store = controller::Store::open(dataDir / "firework.db");
    if (!store) {
        std::cerr << "fwd: the data directory " << dataDir.string()
                  << " is unusable: " << store.error().message << "\n";
        return 1;
    }
    if (auto r = (*store)->flushWalInBackground(); !r) {
        std::cerr << "fwd: " << r.error().message << "\n";
        return 1;
    }
    std::optional<std::string> guestKey;
    auto guest = (*store)->namespaceByName("guest");
    if (!guest) {
        std::cerr << "fwd: " << guest.error().message << "\n";
        return 1;
    }
    if (!*guest) {
        auto key = controller::Controller::createNamespace(**store, "guest");
        if (!key) {
            std::cerr << "fwd: cannot create the guest namespace: " << key.error().message << "\n";
            return 1;
        }
        guestKey = *key;
        // Kept (0600) so that the client properties can be written again for this store.
        std::ofstream(dataDir / "guest.auth") << *key << "\n";
        ::chmod((dataDir / "guest.auth").c_str(), 0600);
        spdlog::info("created namespace 'guest'; its key is in {}", (dataDir / "guest.auth").string());
    } else {
        std::ifstream in(dataDir / "guest.auth");
        std::string k;
        if (in >> k) guestKey = k;
    }



    // Every function instance runs in fw-sandbox; there is no other way to start one.
    invoker::SandboxLauncherOptions lopts;
    lopts.sandboxBinary = o.sandboxBinary.empty() ? defaultSandboxBinary() : o.sandboxBinary;
    lopts.cgroupParent = o.cgroupParent;
    auto launcher = invoker::makeSandboxLauncher(lopts);
    if (!launcher) {
        std::cerr << "fwd: cannot run functions in a sandbox: " << launcher.error().message << "\n";
        return 1;
    }
    // What a crashed predecessor left: instance cgroups and their processes.
    if (auto stale = invoker::cleanupStale(lopts); !stale) {
        std::cerr << "fwd: cannot remove the instances a previous fwd left: "
                  << stale.error().message << "\n";
        return 1;
    } else if (*stale > 0) {
        spdlog::warn("removed {} instance(s) left by a previous fwd", *stale);
    }
    // Without favordynmods, attaching a new instance to its cgroup waits for an RCU grace period
    // whenever no other attach happened in the last ~20 ms: a sporadic cold start paid 6-17 ms
    // for it on the reference machine (docs/sandbox.md). A kernel setting, like kubelet's.
    if (!o.cgroupFavorDynmods) {
        spdlog::info("cgroup: favordynmods left as it is (--cgroup-favor-dynmods=false); without it a "
                     "cold start after a quiet spell waits for an RCU grace period at its cgroup attach");
    } else if (auto fav = invoker::favorCgroupDynmods(lopts); fav) {
        spdlog::info("cgroup: {}", *fav);
    } else {
        spdlog::warn("cgroup: {}; every cold start after a quiet spell then waits for an RCU grace "
                     "period (6-17 ms measured) when it is attached to its cgroup",
                     fav.error().message);
    }

    asio::io_context io(1);
    invoker::InvokerOptions iopts;
    iopts.launcher = launcher->get();
    iopts.runtimesDir = o.runtimesDir.empty() ? defaultRuntimesDir() : o.runtimesDir;
    iopts.stateDir = dataDir / "run";
    iopts.keepAlive = std::chrono::milliseconds(o.keepAliveMs);
    iopts.maxResultBytes = limits.maxResultBytes;
    iopts.memoryPoolMb = o.memoryPoolMb > 0
                             ? o.memoryPoolMb
                             : static_cast<std::int64_t>(::sysconf(_SC_PHYS_PAGES)) *
                                   ::sysconf(_SC_PAGESIZE) / (2 * 1024 * 1024);
    iopts.maxQueued = o.maxQueued;
    iopts.maxQueueWait = std::chrono::milliseconds(o.queueWaitMs);
    auto prewarm = invoker::parsePrewarmSpec(o.prewarm);
    if (!prewarm) {
        std::cerr << "fwd: --prewarm: " << prewarm.error().message << "\n";
        return 2;
    }
    iopts.prewarm = *prewarm;
    invoker::Invoker inv(io, iopts);
    controller::Controller ctl(io, std::move(*store), inv, limits);
    ctl.setPricing({o.priceGbSecond, o.priceMillionRequests, "USD"});
    ctl.setQuotaRefresh(std::chrono::milliseconds(o.quotaRefreshMs));
    // Before anything runs: what a crashed predecessor finished and answered but had not
    // committed (docs/architecture.md, Durability).
    if (auto replayed = ctl.openJournal(dataDir / "journal"); !replayed) {
        std::cerr << "fwd: " << replayed.error().message << "\n";
        return 1;
    } else if (*replayed > 0) {
        spdlog::info("stored {} finished activation(s) from the journal", *replayed);
    }
    gateway::Gateway gw(ctl, {});
    http::ServerOptions sopts;
    sopts.host = listen->first;
    sopts.port = listen->second;
    http::Server server(io, sopts, gw);
    if (auto r = server.start(); !r) {
        std::cerr << "fwd: " << r.error().message
                  << (r.error().message.find("in use") != std::string::npos
                          ? " (is another fwd running? choose another port with --listen)"
                          : "")
                  << "\n";
        return 1;
    }
    std::string apiHost = "http://" + sopts.host + ":" + std::to_string(server.port());
    inv.setApiHost(apiHost);

    fs::path props = o.wskprops.empty() ? defaultWskprops() : o.wskprops;
    if (guestKey && o.wskprops != "none") {
        std::string content = std::string(kPropsMarker) + "APIHOST=" + apiHost + "\nAUTH=" + *guestKey +
                              "\nNAMESPACE=guest\n";
        switch (writeClientProperties(props, *guestKey, content)) {
            case PropsWrite::Written:
                spdlog::info("wrote client properties for namespace 'guest' to {}", props.string());
                break;
            case PropsWrite::Replaced:
                spdlog::info("replaced the client properties an earlier fwd wrote to {} (their key was "
                             "for another data directory)", props.string());
                break;
            case PropsWrite::Current:
                break;
            case PropsWrite::LeftAlone:
                spdlog::warn("{} was not written by fwd and is left as it is; if fwctl answers 'The "
                             "supplied authentication is invalid', set AUTH to the key in {}",
                             props.string(), (dataDir / "guest.auth").string());
                break;
            case PropsWrite::Failed:
                spdlog::warn("cannot write client properties to {}; the guest key is in {}", props.string(),
                             (dataDir / "guest.auth").string());
                break;
        }
    }

    // Two-phase shutdown: the first SIGTERM/SIGINT stops accepting and lets running
    // activations finish (up to the drain time); the second signal, or the drain time, forces.
    asio::signal_set signals(io, SIGINT, SIGTERM);
    asio::steady_timer drainTimer(io);
    bool draining = false;
    bool forced = false;
    std::function<void()> finishWhenIdle;
    auto force = [&] {
        if (forced) return;
        forced = true;
        spdlog::info("stopping now: {} activation(s) aborted", inv.running());
        inv.shutdown();  // running activations complete as whisk errors and get recorded
        server.closeAll();
    };
    finishWhenIdle = [&] {
        if (ctl.inFlight() == 0 && server.activeConnections() == 0) {
            signals.cancel();
            io.stop();
            return;
        }
        drainTimer.expires_after(std::chrono::milliseconds(20));
        drainTimer.async_wait([&](boost::system::error_code) { finishWhenIdle(); });
    };
    std::function<void(boost::system::error_code, int)> onSignal =
        [&](boost::system::error_code ec, int sig) {
            if (ec) return;
            if (!draining) {
                draining = true;
                spdlog::info("signal {}: draining ({} activation(s) in flight)", sig, ctl.inFlight());
                server.stopAccepting();
                auto started = std::make_shared<std::chrono::steady_clock::time_point>(
                    std::chrono::steady_clock::now());
                finishWhenIdle = [&, started] {
                    if (!forced && std::chrono::steady_clock::now() - *started >
                                       std::chrono::seconds(o.drainSeconds)) {
                        force();
                    }
                    if (ctl.inFlight() == 0 && server.activeConnections() == 0) {
                        signals.cancel();
                        io.stop();
                        return;
                    }
                    drainTimer.expires_after(std::chrono::milliseconds(20));
                    drainTimer.async_wait([&](boost::system::error_code) { finishWhenIdle(); });
                };
                finishWhenIdle();
            } else {
                force();
            }
            signals.async_wait(onSignal);
        };
    signals.async_wait(onSignal);

    inv.start();  // prewarmed instances
    ctl.startRetention(o.retention);
    asio::co_spawn(io, ctl.resumePending(), asio::detached);
    // Only now, after the store and launch threads exist: they, and the instances started from
    // the launch thread, keep fwd's own value; a function never runs at the io thread's.
    setIoThreadPriority(o.ioNice);
    spdlog::info("fwd standalone ready: listening on {} (data {})", apiHost, dataDir.string());
    std::printf("fwd ready on %s\n", apiHost.c_str());
    std::fflush(stdout);
    io.run();
    inv.shutdown();
    ctl.stop();
    spdlog::info("fwd stopped");
    ::close(*lock);
    return 0;
}

int namespaceCreate(const std::string& dataDir, const std::string& name) {
    fs::path dir = dataDir.empty() ? defaultDataDir() : dataDir;
    std::error_code ec;
    fs::create_directories(dir, ec);
    auto store = controller::Store::open(dir / "firework.db");
    if (!store) {
        std::cerr << "fwd: " << store.error().message << "\n";
        return 1;
    }
    auto key = controller::Controller::createNamespace(**store, name);
    if (!key) {
        std::cerr << "fwd: " << key.error().message << "\n";
        return 1;
    }
    std::cout << *key << "\n";
    return 0;
}

int namespaceLimits(const std::string& dataDir, const std::string& name, const Json& fields,
                    const NamespaceQuota& defaults) {
    fs::path dir = dataDir.empty() ? defaultDataDir() : dataDir;
    if (!fs::exists(dir / "firework.db")) {
        std::cerr << "fwd: no store in " << dir.string() << "\n";
        return 1;
    }
    auto store = controller::Store::open(dir / "firework.db");
    if (!store) {
        std::cerr << "fwd: " << store.error().message << "\n";
        return 1;
    }
    auto q = controller::Controller::setNamespaceQuota(**store, name, fields, defaults);
    if (!q) {
        std::cerr << "fwd: " << q.error().message << "\n";
        return 1;
    }
    std::cout << toJson(*q).dump(2) << "\n";
    return 0;
}

int namespaceList(const std::string& dataDir) {
    fs::path dir = dataDir.empty() ? defaultDataDir() : dataDir;
    if (!fs::exists(dir / "firework.db")) {
        std::cerr << "fwd: no store in " << dir.string() << "\n";
        return 1;
    }
    auto store = controller::Store::open(dir / "firework.db");
    if (!store) {
        std::cerr << "fwd: " << store.error().message << "\n";
        return 1;
    }
    auto rows = (*store)->namespaces();
    if (!rows) {
        std::cerr << "fwd: " << rows.error().message << "\n";
        return 1;
    }
    for (const auto& r : *rows) std::cout << r.name << "\t" << r.uuid << "\n";
    return 0;
}

}  // namespace

int main(int argc, char** argv) {
    CLI::App app{"fwd: the Firework daemon"};
    app.require_subcommand(1);
    StandaloneOptions so;
    auto* standalone = app.add_subcommand("standalone", "gateway, controller and invoker in one process");
    standalone->add_option("--listen", so.listen, "HOST:PORT to serve the API on (port 0: any)")
        ->capture_default_str();
    standalone->add_option("--data-dir", so.dataDir, "where state is kept (default: $XDG_STATE_HOME/firework or ~/.local/state/firework)");
    standalone->add_option("--log-level", so.logLevel, "trace, debug, info, warn, error")->capture_default_str();
    standalone->add_option("--wskprops", so.wskprops,
                           "client properties file written on first start if absent "
                           "(default: $WSK_CONFIG_FILE or ~/.wskprops; 'none' to skip)");
    standalone->add_option("--runtimes-dir", so.runtimesDir, "where the runtime shims are");
    standalone->add_option("--blocking-wait-ms", so.blockingWaitMs,
                           "longest a blocking invoke waits before answering 202")
        ->check(CLI::Range(std::int64_t{0}, std::int64_t{3600000}))
        ->capture_default_str();
    standalone->add_option("--keep-alive-ms", so.keepAliveMs, "how long an idle instance is kept warm")
        ->check(CLI::Range(std::int64_t{0}, std::int64_t{86400000}))
        ->capture_default_str();
    standalone->add_option("--drain-seconds", so.drainSeconds,
                           "on SIGTERM, how long running activations may finish")
        ->check(CLI::Range(0, 3600))
        ->capture_default_str();

    standalone->add_option("--namespace-concurrent", so.quota.concurrentInvocations,
                           "default quota: concurrent activations per namespace (0: unlimited)")
        ->check(CLI::NonNegativeNumber)
        ->capture_default_str();
    standalone->add_option("--namespace-per-minute", so.quota.invocationsPerMinute,
                           "default quota: invocations per minute per namespace (0: unlimited)")
        ->check(CLI::NonNegativeNumber)
        ->capture_default_str();
    standalone->add_option("--namespace-fires-per-minute", so.quota.firesPerMinute,
                           "default quota: trigger fires per minute per namespace (0: unlimited)")
        ->check(CLI::NonNegativeNumber)
        ->capture_default_str();
    standalone->add_option("--memory-pool", so.memoryPoolMb,
                           "MB all instances together may use (default: half the machine's memory)")
        ->check(CLI::NonNegativeNumber);
    standalone->add_option("--prewarm", so.prewarm,
                           "prewarmed instances: 'none' or kind:memoryMB=count,... ")
        ->capture_default_str();
    standalone->add_option("--max-queue", so.maxQueued, "activations that may wait for room")
        ->capture_default_str();
    standalone->add_option("--queue-wait-ms", so.queueWaitMs, "longest wait for room before failing")
        ->check(CLI::NonNegativeNumber)
        ->capture_default_str();
    standalone->add_option("--activation-retention-ms", so.retention.maxAgeMs,
                           "keep activation records this long (0: no age bound)")
        ->check(CLI::NonNegativeNumber)
        ->capture_default_str();
    standalone->add_option("--activation-retention-count", so.retention.maxPerNamespace,
                           "keep at most this many activation records per namespace (0: no bound)")
        ->check(CLI::NonNegativeNumber)
        ->capture_default_str();
    standalone->add_option("--retention-interval-ms", so.retention.intervalMs,
                           "how often old activation records are pruned")
        ->check(CLI::PositiveNumber)
        ->capture_default_str();
    standalone->add_option("--price-gb-second", so.priceGbSecond, "price of one GB-second (usage API)")
        ->capture_default_str();
    standalone->add_option("--price-million-requests", so.priceMillionRequests,
                           "price of a million invocations (usage API)")
        ->capture_default_str();
    // System bounds (OpenWhisk's defaults, reference §5).
    standalone->add_option("--action-timeout-min-ms", so.limits.timeoutMs.min, "smallest action timeout")->capture_default_str();
    standalone->add_option("--action-timeout-max-ms", so.limits.timeoutMs.max, "largest action timeout")->capture_default_str();
    standalone->add_option("--action-timeout-default-ms", so.limits.defaults.timeoutMs, "timeout of an action that sets none")->capture_default_str();
    standalone->add_option("--action-memory-min-mb", so.limits.memoryMb.min, "smallest action memory limit")->capture_default_str();
    standalone->add_option("--action-memory-max-mb", so.limits.memoryMb.max, "largest action memory limit")->capture_default_str();
    standalone->add_option("--action-memory-default-mb", so.limits.defaults.memoryMb, "memory of an action that sets none")->capture_default_str();
    standalone->add_option("--action-logs-max-mb", so.limits.logsMb.max, "largest action log limit")->capture_default_str();
    standalone->add_option("--action-logs-default-mb", so.limits.defaults.logsMb, "log limit of an action that sets none")->capture_default_str();
    standalone->add_option("--action-concurrency-max", so.limits.concurrency.max,
                           "largest limits.concurrency (nodejs actions only)")->capture_default_str();
    standalone->add_option("--max-payload-bytes", so.limits.maxPayloadBytes, "largest invoke body")->capture_default_str();
    standalone->add_option("--max-result-bytes", so.limits.maxResultBytes, "largest action result")->capture_default_str();
    standalone->add_option("--max-code-bytes", so.limits.maxCodeBytes, "largest exec.code")->capture_default_str();
    standalone->add_option("--sandbox-binary", so.sandboxBinary, "path of fw-sandbox (default: next to fwd)");
    standalone->add_option("--cgroup-parent", so.cgroupParent,
                           "cgroup under which instance cgroups are made, in every hierarchy")
        ->capture_default_str();
    standalone->add_option("--quota-refresh-ms", so.quotaRefreshMs,
                           "how old a namespace's quota may get before it is re-read from the store "
                           "(in the background; invocations never wait for it)")
        ->check(CLI::NonNegativeNumber)
        ->capture_default_str();
    standalone->add_option("--io-nice", so.ioNice,
                           "nice value of the io thread (HTTP, controller, invoker), so that busy "
                           "functions cannot starve it; functions keep fwd's own (docs/operating.md)")
        ->check(CLI::Range(-20, 19))
        ->capture_default_str();
    standalone->add_option("--cgroup-favor-dynmods", so.cgroupFavorDynmods,
                           "turn on the cgroup2 root flag favordynmods at start (faster instance "
                           "cgroup attaches, slightly slower fork/exit host-wide)")
        ->capture_default_str();

    std::string adminDataDir;
    std::string nsName;
    auto* admin = app.add_subcommand("admin", "administer the store of a host");
    admin->require_subcommand(1);
    auto* nsCmd = admin->add_subcommand("namespace", "namespaces and their keys");
    nsCmd->require_subcommand(1);
    auto* create = nsCmd->add_subcommand("create", "create a namespace and print its key (once)");
    create->add_option("name", nsName, "namespace name")->required();
    create->add_option("--data-dir", adminDataDir, "the daemon's data directory");
    auto* lim = nsCmd->add_subcommand(
        "limits", "set a namespace's quotas (0: unlimited) and print those in force");
    std::optional<std::int64_t> limConcurrent, limPerMinute, limFires;
    lim->add_option("name", nsName, "namespace name")->required();
    lim->add_option("--data-dir", adminDataDir, "the daemon's data directory");
    lim->add_option("--concurrent", limConcurrent, "concurrent activations")->check(CLI::NonNegativeNumber);
    lim->add_option("--per-minute", limPerMinute, "invocations per minute")->check(CLI::NonNegativeNumber);
    lim->add_option("--fires-per-minute", limFires, "trigger fires per minute")->check(CLI::NonNegativeNumber);
    auto* list = nsCmd->add_subcommand("list", "list namespaces");
    list->add_option("--data-dir", adminDataDir, "the daemon's data directory");

    // Every standalone option can also come from a file, `fwd standalone --config fwd.toml`,
    // with the options under a [standalone] section (key = value, names without dashes).
    app.set_config("--config", "", "read options from a TOML/INI file ([standalone] section)");
    standalone->fallthrough();
    CLI11_PARSE(app, argc, argv);
    if (standalone->parsed()) return runStandalone(so);
    if (create->parsed()) return namespaceCreate(adminDataDir, nsName);
    if (list->parsed()) return namespaceList(adminDataDir);
    if (lim->parsed()) {
        Json fields = Json::object();
        if (limConcurrent) fields["concurrentInvocations"] = *limConcurrent;
        if (limPerMinute) fields["invocationsPerMinute"] = *limPerMinute;
        if (limFires) fields["firesPerMinute"] = *limFires;
        // The admin command has no daemon flags: overrides are stored as given, and fields left
        // out keep following the daemon's defaults.
        return namespaceLimits(adminDataDir, nsName, fields, NamespaceQuota{});
    }
    return 2;
}

}  // namespace fw::daemon
