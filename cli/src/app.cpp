// The command line of fwctl (CLI11): every command, its flags and its help text, in one place.
// Parsing only records options and picks the command; the command runs after parsing succeeded.
#include "fw/cli/app.hpp"

#include <CLI/CLI.hpp>
#include <iostream>
#include <thread>

#include "commands.hpp"
#include "fw/common/util.hpp"

#ifndef FW_VERSION
#define FW_VERSION "0.0.0"
#endif

namespace fw::cli {
namespace {

// -p/-P and -a/-A, shared by actions, invoke and packages. Each -p takes exactly two values and
// no more, so `-p k v FILE` leaves FILE to the positional argument.
void addKeyValueFlags(CLI::App* cmd, KeyValueOptions& kv, bool annotations) {
    cmd->add_option("-p,--param", kv.params,
                    "parameter KEY VALUE; VALUE is JSON if it parses, else a string (repeatable)")
        ->allow_extra_args(false);
    cmd->add_option("-P,--param-file", kv.paramFile, "parameters from a JSON object in FILE");
    if (annotations) {
        cmd->add_option("-a,--annotation", kv.annotations,
                        "annotation KEY VALUE; VALUE is JSON if it parses (repeatable)")
            ->allow_extra_args(false);
        cmd->add_option("-A,--annotation-file", kv.annotationFile,
                        "annotations from a JSON object in FILE");
    }
}

// Options whose presence matters are bound to plain variables and copied into optionals after
// parsing, which keeps the CLI11 usage to its well-trodden types.
struct ActionFlags {
    ActionOptions o;
    std::string file, kind, main, docker, web;
    long timeout = 0, memory = 0, logs = 0, concurrency = 0;
    CLI::Option *fileOpt, *kindOpt, *mainOpt, *dockerOpt, *webOpt;
    CLI::Option *timeoutOpt, *memoryOpt, *logsOpt, *concurrencyOpt;

    void add(CLI::App* cmd) {
        cmd->add_option("name", o.name, "action name: NAME, PKG/NAME or /NAMESPACE/[PKG/]NAME")
            ->required();
        fileOpt = cmd->add_option("file", file,
                                  "the code: a .py or .js file, a .zip, a directory (zipped), or "
                                  "an executable with --native");
        kindOpt = cmd->add_option("--kind", kind,
                                  "runtime, e.g. python:3 or nodejs:20 (default: from the file "
                                  "extension)");
        mainOpt = cmd->add_option("--main", main, "the function to call (default: main)");
        cmd->add_flag("--native", o.spec.native,
                      "FILE is an executable run per activation (kind blackbox, image " +
                          std::string(kSkeletonImage) + ")");
        dockerOpt = cmd->add_option("--docker", docker,
                                    "kind blackbox with IMAGE (openwhisk/actionloop-v2: a native "
                                    "ActionLoop executable)");
        cmd->add_option("--sequence", o.spec.sequence,
                        "a sequence of these actions, comma-separated")
            ->delimiter(',');
        webOpt = cmd->add_option("--web", web, "make it a web action: true, false or raw")
                     ->check(CLI::IsMember({"true", "false", "raw", "yes", "no"}));
        timeoutOpt = cmd->add_option("-t,--timeout", timeout, "time limit in milliseconds");
        memoryOpt = cmd->add_option("-m,--memory", memory, "memory limit in MB");
        logsOpt = cmd->add_option("-l,--logsize", logs, "log size limit in MB");
        concurrencyOpt = cmd->add_option("-c,--concurrency", concurrency,
                                         "activations one instance may run at once");
        cmd->get_option("--native")->excludes(dockerOpt);
        addKeyValueFlags(cmd, o.kv, true);
    }

    ActionOptions finish() {
        ActionOptions r = o;
        if (fileOpt->count()) r.spec.file = file;
        if (kindOpt->count()) r.spec.kind = kind;
        if (mainOpt->count()) r.spec.main = main;
        if (dockerOpt->count()) r.spec.docker = docker;
        if (webOpt->count()) r.spec.web = web;
        if (timeoutOpt->count()) r.spec.timeoutMs = timeout;
        if (memoryOpt->count()) r.spec.memoryMb = memory;
        if (logsOpt->count()) r.spec.logsMb = logs;
        if (concurrencyOpt->count()) r.spec.concurrency = concurrency;
        return r;
    }
};

struct PropertyFlags {
    PropertyOptions o;
    std::string apiHost, auth, ns;
    bool getApiHost = false, getAuth = false, getNs = false;
    CLI::Option *apiHostOpt = nullptr, *authOpt = nullptr, *nsOpt = nullptr;

    void addValues(CLI::App* cmd) {
        apiHostOpt = cmd->add_option("--apihost", apiHost, "API host, e.g. 127.0.0.1:3233");
        authOpt = cmd->add_option("-u,--auth", auth, "authorization key UUID:KEY");
        nsOpt = cmd->add_option("-n,--namespace", ns, "default namespace");
    }
    void addFlags(CLI::App* cmd) {
        apiHostOpt = cmd->add_flag("--apihost", getApiHost, "the API host");
        authOpt = cmd->add_flag("-u,--auth", getAuth, "the authorization key");
        nsOpt = cmd->add_flag("-n,--namespace", getNs, "the default namespace");
    }
    PropertyOptions finish() const {
        PropertyOptions r;
        if (apiHostOpt->count()) r.apiHost = apiHost;
        if (authOpt->count()) r.auth = auth;
        if (nsOpt->count()) r.ns = ns;
        return r;
    }
};

struct ListFlags {
    ListOptions o;
    std::int64_t since = 0, upto = 0;
    CLI::Option *sinceOpt = nullptr, *uptoOpt = nullptr;

    void add(CLI::App* cmd, bool times) {
        cmd->add_option("-s,--skip", o.skip, "skip this many entries")
            ->check(CLI::NonNegativeNumber);
        cmd->add_option("-l,--limit", o.limit, "at most this many entries (server maximum 200)")
            ->check(CLI::NonNegativeNumber);
        if (times) {
            sinceOpt = cmd->add_option("--since", since, "only activations since this epoch ms");
            uptoOpt = cmd->add_option("--upto", upto, "only activations up to this epoch ms");
        }
    }
    ListOptions finish() const {
        ListOptions r = o;
        if (sinceOpt != nullptr && sinceOpt->count()) r.since = since;
        if (uptoOpt != nullptr && uptoOpt->count()) r.upto = upto;
        return r;
    }
};

struct ActivationFlags {
    ActivationOptions o;
    CLI::Option* idOpt = nullptr;
    CLI::Option* lastOpt = nullptr;

    void add(CLI::App* cmd, bool strip) {
        idOpt = cmd->add_option("id", o.id, "activation id");
        lastOpt = cmd->add_flag("--last", o.last, "the most recent activation");
        idOpt->excludes(lastOpt);
        if (strip) cmd->add_flag("-r,--strip", o.strip, "only the text of each line");
    }
    // One of ID and --last is needed; CLI11 cannot say "exactly one of".
    bool valid(std::ostream& err) const {
        if (idOpt->count() || o.last) return true;
        err << "error: give an activation ID or --last\n";
        return false;
    }
};

}  // namespace

Io Io::process() {
    Io io;
    io.out = &std::cout;
    io.err = &std::cerr;
    io.env = client::processEnv();
    io.sleep = [](std::chrono::milliseconds d) { std::this_thread::sleep_for(d); };
    io.nowMs = [] { return fw::nowMs(); };
    return io;
}

int run(int argc, const char* const* argv, const Io& io) {
    CLI::App app{"fwctl: the Firework command-line client (OpenWhisk wsk compatible)", "fwctl"};
    app.set_version_flag("--version", "fwctl " FW_VERSION);
    app.require_subcommand(1);
    // Global flags are accepted after the subcommand too (fwctl action list --json).
    app.fallthrough();

    Globals g;
    app.add_option("--apihost", g.apiHost,
                   "API host for this call (overrides FW_APIHOST, APIHOST)");
    app.add_option("-u,--auth", g.auth, "authorization key UUID:KEY for this call");
    app.add_option("-n,--namespace", g.ns, "namespace for this call (default: _, your own)");
    app.add_flag("--json", g.json, "print the server's JSON instead of tables");
    app.add_flag("-i,--insecure", g.insecure, "skip TLS certificate checks (https API hosts)");
    app.add_flag("-v,--verbose", g.verbose, "print each HTTP request and response on stderr");

    // The command to run once parsing succeeded.
    std::function<int(Context&)> command;
    auto select = [&](CLI::App* cmd, std::function<int(Context&)> fn) {
        cmd->callback([&command, fn = std::move(fn)] { command = fn; });
    };

    // property
    auto* property = app.add_subcommand("property", "the properties file and its values");
    property->require_subcommand(1);
    PropertyFlags propSet, propUnset, propGet;
    auto* pset = property->add_subcommand("set", "set values in the properties file");
    propSet.addValues(pset);
    select(pset, [&](Context& c) { return propertySet(c, propSet.finish()); });
    auto* punset = property->add_subcommand("unset", "remove values from the properties file");
    propUnset.addFlags(punset);
    select(punset, [&](Context& c) { return propertyUnset(c, propUnset.finish()); });
    auto* pget = property->add_subcommand("get", "print the values in effect (all by default)");
    propGet.addFlags(pget);
    select(pget, [&](Context& c) { return propertyGet(c, propGet.finish()); });

    // action
    auto* action = app.add_subcommand("action", "create, change, run and remove actions");
    action->require_subcommand(1);
    ActionFlags create, update;
    auto* acreate = action->add_subcommand("create", "create an action");
    create.add(acreate);
    select(acreate, [&](Context& c) { return actionPut(c, create.finish(), false); });
    auto* aupdate = action->add_subcommand("update", "change an action, or create it");
    update.add(aupdate);
    select(aupdate, [&](Context& c) { return actionPut(c, update.finish(), true); });

    std::string getName, getSave;
    bool getCode = false;
    auto* aget = action->add_subcommand("get", "show an action");
    aget->add_option("name", getName, "action name")->required();
    aget->add_flag("--code", getCode, "include the code");
    auto* saveOpt = aget->add_option("--save", getSave, "write the code to FILE");
    select(aget, [&](Context& c) {
        return actionGet(c, getName, getCode,
                         saveOpt->count() ? std::optional(getSave) : std::nullopt);
    });

    ListFlags actionListFlags;
    auto* alist = action->add_subcommand("list", "list actions");
    alist->add_option("scope", actionListFlags.o.scope,
                      "a package (PKG or /NAMESPACE/PKG) or a namespace (/NAMESPACE)");
    actionListFlags.add(alist, false);
    select(alist, [&](Context& c) { return actionList(c, actionListFlags.finish()); });

    std::string deleteName;
    auto* adelete = action->add_subcommand("delete", "delete an action");
    adelete->add_option("name", deleteName, "action name")->required();
    select(adelete, [&](Context& c) { return actionDelete(c, deleteName); });

    InvokeOptions invoke;
    auto* ainvoke = action->add_subcommand("invoke", "run an action");
    ainvoke->add_option("name", invoke.name, "action name")->required();
    addKeyValueFlags(ainvoke, invoke.kv, false);
    ainvoke->add_flag("-b,--blocking", invoke.blocking, "wait for the activation to finish");
    ainvoke->add_flag("-r,--result", invoke.result, "wait, and print only the result");
    select(ainvoke, [&](Context& c) { return actionInvoke(c, invoke); });

    // activation
    auto* activation = app.add_subcommand("activation", "inspect activations");
    activation->require_subcommand(1);
    ListFlags activationListFlags;
    auto* vlist = activation->add_subcommand("list", "list recent activations");
    vlist->add_option("name", activationListFlags.o.scope, "only activations of this action");
    activationListFlags.add(vlist, true);
    vlist->add_flag("-f,--full", activationListFlags.o.full, "full records (logs, result)");
    select(vlist, [&](Context& c) { return activationList(c, activationListFlags.finish()); });

    ActivationFlags vgetFlags, vlogsFlags, vresultFlags;
    auto* vget = activation->add_subcommand("get", "show an activation");
    vgetFlags.add(vget, false);
    select(vget, [&](Context& c) {
        return vgetFlags.valid(c.err()) ? activationGet(c, vgetFlags.o) : kExitUsage;
    });
    auto* vlogs = activation->add_subcommand("logs", "print an activation's logs");
    vlogsFlags.add(vlogs, true);
    select(vlogs, [&](Context& c) {
        return vlogsFlags.valid(c.err()) ? activationLogs(c, vlogsFlags.o) : kExitUsage;
    });
    auto* vresult = activation->add_subcommand("result", "print an activation's result");
    vresultFlags.add(vresult, false);
    select(vresult, [&](Context& c) {
        return vresultFlags.valid(c.err()) ? activationResult(c, vresultFlags.o) : kExitUsage;
    });

    PollOptions poll;
    long pollExit = 0;
    auto* vpoll = activation->add_subcommand("poll", "print new activations and their logs");
    vpoll->add_option("name", poll.name, "only activations of this action");
    auto* exitOpt = vpoll->add_option("-e,--exit", pollExit, "stop after SECONDS")
                        ->check(CLI::NonNegativeNumber);
    vpoll->add_flag("-r,--strip", poll.strip, "only the text of each log line");
    select(vpoll, [&](Context& c) {
        PollOptions p = poll;
        if (exitOpt->count()) p.exitAfterSeconds = pollExit;
        return activationPoll(c, p);
    });

    // namespace
    auto* ns = app.add_subcommand("namespace", "namespaces");
    ns->require_subcommand(1);
    auto* nlist = ns->add_subcommand("list", "list the namespaces of your key");
    select(nlist, [&](Context& c) { return namespaceList(c); });

    // package
    auto* package = app.add_subcommand("package", "create, change and remove packages");
    package->require_subcommand(1);
    PackageOptions pcreateOpts, pupdateOpts;
    bool createShared = false, updateShared = false;
    CLI::Option* createSharedOpt = nullptr;
    CLI::Option* updateSharedOpt = nullptr;
    auto* pcreate = package->add_subcommand("create", "create a package");
    pcreate->add_option("name", pcreateOpts.name, "package name: PKG or /NAMESPACE/PKG")
        ->required();
    addKeyValueFlags(pcreate, pcreateOpts.kv, true);
    createSharedOpt = pcreate->add_flag("--shared", createShared,
                                        "visible to other namespaces (--shared=false to undo)");
    select(pcreate, [&](Context& c) {
        PackageOptions o = pcreateOpts;
        if (createSharedOpt->count()) o.shared = createShared;
        return packagePut(c, o, false);
    });
    auto* pupdate = package->add_subcommand("update", "change a package, or create it");
    pupdate->add_option("name", pupdateOpts.name, "package name")->required();
    addKeyValueFlags(pupdate, pupdateOpts.kv, true);
    updateSharedOpt = pupdate->add_flag("--shared", updateShared,
                                        "visible to other namespaces (--shared=false to undo)");
    select(pupdate, [&](Context& c) {
        PackageOptions o = pupdateOpts;
        if (updateSharedOpt->count()) o.shared = updateShared;
        return packagePut(c, o, true);
    });
    std::string pgetName, pdeleteName;
    auto* pget2 = package->add_subcommand("get", "show a package");
    pget2->add_option("name", pgetName, "package name")->required();
    select(pget2, [&](Context& c) { return packageGet(c, pgetName); });
    ListFlags packageListFlags;
    auto* plist = package->add_subcommand("list", "list packages");
    packageListFlags.add(plist, false);
    select(plist, [&](Context& c) { return packageList(c, packageListFlags.finish()); });
    auto* pdelete = package->add_subcommand("delete", "delete a package");
    pdelete->add_option("name", pdeleteName, "package name")->required();
    select(pdelete, [&](Context& c) { return packageDelete(c, pdeleteName); });

    // usage (a Firework extension)
    UsageOptions usageOpts;
    std::string usageSince, usageUpto;
    auto* usageCmd = app.add_subcommand(
        "usage", "invocations, errors, cold starts, GB-seconds, CPU-seconds and cost");
    auto* sinceOpt = usageCmd->add_option(
        "--since", usageSince,
        "start: epoch ms, a UTC date or time (2026-11-28, 2026-11-28T10:00Z), or a time ago "
        "(-24h, -7d); default: 24 h before --upto");
    auto* uptoOpt =
        usageCmd->add_option("--upto", usageUpto, "end, in the same forms; default: now");
    usageCmd->add_option("--group", usageOpts.group, "one row per action or per hour (UTC)")
        ->check(CLI::IsMember({"action", "hour"}));
    usageCmd->add_flag("--csv", usageOpts.csv, "CSV (RFC 4180) without a total row");
    select(usageCmd, [&](Context& c) {
        UsageOptions o = usageOpts;
        if (sinceOpt->count()) o.since = usageSince;
        if (uptoOpt->count()) o.upto = usageUpto;
        return usage(c, o);
    });

    // instance (a Firework extension); `instances` is short for `instance list`
    auto* instance = app.add_subcommand("instance", "the daemon's action instances");
    instance->require_subcommand(1);
    auto* ilist = instance->add_subcommand(
        "list", "warm instances per action, prewarmed instances and the memory pool");
    select(ilist, [&](Context& c) { return instanceList(c); });
    auto* instances = app.add_subcommand("instances", "the same as instance list");
    select(instances, [&](Context& c) { return instanceList(c); });

    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        // CLI11 reports a missing subcommand before an unknown word: name the word instead.
        if (auto extra = app.remaining(true);
            !extra.empty() && dynamic_cast<const CLI::RequiredError*>(&e)) {
            *io.err << "error: unknown command '" << extra.front() << "'\n"
                    << "Run with --help for more information.\n";
            return kExitUsage;
        }
        // CLI11's own message; --help and --version are successes, anything else a usage error.
        int rc = app.exit(e, *io.out, *io.err);
        return rc == 0 ? kExitOk : kExitUsage;
    }
    if (!command) {
        *io.err << "error: no command given; see fwctl --help\n";
        return kExitUsage;
    }
    Context ctx(io, g);
    return command(ctx);
}

}  // namespace fw::cli
