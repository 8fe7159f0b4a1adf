// The libcurl Transport. One easy handle per Client: curl_easy_reset() clears the options between
// requests but keeps the connection cache, so consecutive calls reuse the TCP connection.
#include <curl/curl.h>

#include <cctype>
#include <cstdlib>
#include <mutex>

#include "fw/client/config.hpp"
#include "fw/client/transport.hpp"

namespace fw::client {
namespace {

// A connect attempt that takes this long is a dead host; the overall timeout is the caller's.
constexpr long kConnectTimeoutMs = 30'000;

std::string lower(std::string s) {
    for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return s;
}

std::string_view trim(std::string_view s) {
    auto b = s.find_first_not_of(" \t\r\n");
    if (b == std::string_view::npos) return {};
    return s.substr(b, s.find_last_not_of(" \t\r\n") - b + 1);
}

// Environment proxies never apply to loopback (as in Go's http.ProxyFromEnvironment, which wsk
// uses); the user's own no_proxy list is kept because CURLOPT_NOPROXY replaces it.
std::string noProxyList() {
    std::string list = "localhost,127.0.0.1,::1";
    for (const char* var : {"no_proxy", "NO_PROXY"}) {
        if (const char* v = std::getenv(var); v != nullptr && *v != '\0') {
            list += ",";
            list += v;
            break;
        }
    }
    return list;
}

size_t onBody(char* data, size_t size, size_t n, void* user) {
    static_cast<Response*>(user)->body.append(data, size * n);
    return size * n;
}

size_t onHeader(char* data, size_t size, size_t n, void* user) {
    auto* r = static_cast<Response*>(user);
    std::string_view line(data, size * n);
    // A new status line starts a new header block (after "100 Continue", say).
    if (line.starts_with("HTTP/")) {
        r->headers.clear();
        return size * n;
    }
    auto colon = line.find(':');
    if (colon == std::string_view::npos) return size * n;
    std::string name = lower(std::string(trim(line.substr(0, colon))));
    std::string value(trim(line.substr(colon + 1)));
    auto [it, inserted] = r->headers.emplace(name, value);
    if (!inserted) it->second += ", " + value;
    return size * n;
}

class CurlTransport final : public Transport {
  public:
    explicit CurlTransport(const Config& cfg)
        : timeoutMs_(cfg.timeoutMs), insecure_(cfg.insecure), noProxy_(noProxyList()) {
        static std::once_flag once;
        std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
        handle_ = curl_easy_init();
    }
    ~CurlTransport() override {
        if (handle_ != nullptr) curl_easy_cleanup(handle_);
    }
    CurlTransport(const CurlTransport&) = delete;
    CurlTransport& operator=(const CurlTransport&) = delete;

    Result<Response> send(const HttpRequest& req) override {
        if (handle_ == nullptr) return Error{Errc::Internal, "curl_easy_init() failed"};
        CURL* h = handle_;
        curl_easy_reset(h);
        Response resp;
        char errbuf[CURL_ERROR_SIZE] = {};
        curl_easy_setopt(h, CURLOPT_ERRORBUFFER, errbuf);
        curl_easy_setopt(h, CURLOPT_URL, req.url.c_str());
        curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);  // threads: no SIGALRM for DNS timeouts
        curl_easy_setopt(h, CURLOPT_NOPROXY, noProxy_.c_str());
        curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, kConnectTimeoutMs);
        if (timeoutMs_ > 0) curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, timeoutMs_);
        if (insecure_) {
            curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 0L);
            curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 0L);
        }
        curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, onBody);
        curl_easy_setopt(h, CURLOPT_WRITEDATA, &resp);
        curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, onHeader);
        curl_easy_setopt(h, CURLOPT_HEADERDATA, &resp);

        if (req.method == "GET") {
            curl_easy_setopt(h, CURLOPT_HTTPGET, 1L);
        } else if (req.method == "POST" && req.body) {
            curl_easy_setopt(h, CURLOPT_POST, 1L);
        } else {
            curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, req.method.c_str());
        }
        if (req.body) {
            // POSTFIELDS with an explicit size sends the body with any method (PUT included).
            curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE,
                             static_cast<curl_off_t>(req.body->size()));
            curl_easy_setopt(h, CURLOPT_POSTFIELDS, req.body->data());
        }

        curl_slist* headers = nullptr;
        for (const auto& [k, v] : req.headers) {
            headers = curl_slist_append(headers, (k + ": " + v).c_str());
        }
        // No "Expect: 100-continue" round trip before large bodies (zips).
        headers = curl_slist_append(headers, "Expect:");
        curl_easy_setopt(h, CURLOPT_HTTPHEADER, headers);

        CURLcode rc = curl_easy_perform(h);
        curl_slist_free_all(headers);
        if (rc != CURLE_OK) {
            std::string detail = errbuf[0] != '\0' ? errbuf : curl_easy_strerror(rc);
            switch (rc) {
                case CURLE_COULDNT_RESOLVE_HOST:
                case CURLE_COULDNT_RESOLVE_PROXY:
                case CURLE_COULDNT_CONNECT:
                    return Error{Errc::Unavailable, "cannot connect to " + req.url + ": " + detail};
                case CURLE_OPERATION_TIMEDOUT:
                    return Error{Errc::Timeout, req.method + " " + req.url + ": " + detail};
                default:
                    return Error{Errc::Internal, req.method + " " + req.url + ": " + detail};
            }
        }
        curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &resp.status);
        return resp;
    }

  private:
    CURL* handle_ = nullptr;
    long timeoutMs_;
    bool insecure_;
    std::string noProxy_;
};

}  // namespace

std::unique_ptr<Transport> makeCurlTransport(const Config& cfg) {
    return std::make_unique<CurlTransport>(cfg);
}

}  // namespace fw::client
