// Internal to fw_cli: what a command needs while it runs (streams, config, the one Client) and
// the options each command was given. app.cpp fills these from the command line; commands.cpp
// does the work. Not a public interface.
#pragma once

#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "fw/cli/action_body.hpp"
#include "fw/cli/app.hpp"
#include "fw/client/client.hpp"

namespace fw::cli {

struct Globals {
    std::string apiHost, auth, ns;  // empty: not given
    bool json = false;
    bool insecure = false;
    bool verbose = false;
};

class Context {
  public:
    Context(const Io& io, Globals globals) : io_(io), globals_(std::move(globals)) {}

    std::ostream& out() const { return *io_.out; }
    std::ostream& err() const { return *io_.err; }
    const Io& io() const { return io_; }
    const Globals& globals() const { return globals_; }
    bool json() const { return globals_.json; }

    // The properties file, then FW_* variables, then the global flags.
    Result<client::Config> config() const;
    // The Client of this command, made on first use.
    Result<client::Client*> api();

    // Prints "error: <message>" (one line) and returns kExitError.
    int fail(const Error& e) const;
    int fail(const std::string& message) const;
    // Prints JSON indented by two spaces.
    void printJson(const Json& j) const;

  private:
    const Io& io_;
    Globals globals_;
    std::optional<client::Client> client_;
};

// Options of the commands, as parsed.
struct PropertyOptions {
    std::optional<std::string> apiHost, auth, ns;  // set: values; get/unset: presence
};

struct KeyValueOptions {
    KeyValuePairs params, annotations;
    std::optional<std::string> paramFile, annotationFile;
};

struct ActionOptions {
    std::string name;
    ActionSpec spec;
    KeyValueOptions kv;
};

struct InvokeOptions {
    std::string name;
    KeyValueOptions kv;
    bool blocking = false;
    bool result = false;
};

struct ListOptions {
    std::string scope;  // action list: "", "/ns", "pkg"; activation list/poll: a name filter
    int skip = 0;
    int limit = 30;
    std::optional<std::int64_t> since, upto;
    bool full = false;
};

struct ActivationOptions {
    std::string id;
    bool last = false;
    bool strip = false;
};

struct PollOptions {
    std::string name;
    std::optional<long> exitAfterSeconds;
    bool strip = false;
};

struct PackageOptions {
    std::string name;
    KeyValueOptions kv;
    std::optional<bool> shared;
};

struct UsageOptions {
    std::optional<std::string> since, upto;  // as typed; parsed by parseTimeArg
    std::string group = "action";            // "action" or "hour"
    bool csv = false;
};

int propertySet(Context& ctx, const PropertyOptions& o);
int propertyUnset(Context& ctx, const PropertyOptions& o);
int propertyGet(Context& ctx, const PropertyOptions& o);

int actionPut(Context& ctx, const ActionOptions& o, bool update);
int actionGet(Context& ctx, const std::string& name, bool code,
              const std::optional<std::string>& saveAs);
int actionList(Context& ctx, const ListOptions& o);
int actionDelete(Context& ctx, const std::string& name);
int actionInvoke(Context& ctx, const InvokeOptions& o);

int activationList(Context& ctx, const ListOptions& o);
int activationGet(Context& ctx, const ActivationOptions& o);
int activationLogs(Context& ctx, const ActivationOptions& o);
int activationResult(Context& ctx, const ActivationOptions& o);
int activationPoll(Context& ctx, const PollOptions& o);

int namespaceList(Context& ctx);

int usage(Context& ctx, const UsageOptions& o);
int instanceList(Context& ctx);

int packagePut(Context& ctx, const PackageOptions& o, bool update);
int packageGet(Context& ctx, const std::string& name);
int packageList(Context& ctx, const ListOptions& o);
int packageDelete(Context& ctx, const std::string& name);

}  // namespace fw::cli
