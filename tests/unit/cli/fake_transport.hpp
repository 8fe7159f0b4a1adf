// A Transport for unit tests: records every request and answers from a queue of canned
// responses (or a transport error). No sockets.
#pragma once

#include <deque>
#include <memory>
#include <vector>

#include "fw/client/transport.hpp"

namespace fw::client::testing {

struct FakeState {
    std::vector<HttpRequest> requests;
    std::deque<Result<Response>> replies;  // an empty queue answers 200 "{}"
};

class FakeTransport final : public Transport {
  public:
    explicit FakeTransport(std::shared_ptr<FakeState> state) : state_(std::move(state)) {}
    Result<Response> send(const HttpRequest& req) override {
        state_->requests.push_back(req);
        if (state_->replies.empty()) return Response{200, {}, "{}"};
        auto r = std::move(state_->replies.front());
        state_->replies.pop_front();
        return r;
    }

  private:
    std::shared_ptr<FakeState> state_;
};

inline Response reply(long status, std::string body,
                      std::map<std::string, std::string> headers = {}) {
    return Response{status, std::move(headers), std::move(body)};
}

inline std::string header(const HttpRequest& r, std::string_view name) {
    for (const auto& [k, v] : r.headers) {
        if (k == name) return v;
    }
    return "<none>";
}

}  // namespace fw::client::testing
