#include "runtime/http/http_server.hpp"

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/json/serialize.hpp>

#include <spdlog/spdlog.h>

#include <optional>
#include <thread>
#include <vector>

namespace boa::http {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = net::ip::tcp;

namespace {

bhttp::response<bhttp::string_body> to_response(const http_reply& reply, unsigned version,
                                                bool keep_alive) {
  bhttp::response<bhttp::string_body> res{static_cast<bhttp::status>(reply.status), version};
  res.set(bhttp::field::server, "boad");
  res.keep_alive(keep_alive);
  res.set(bhttp::field::cache_control,
          reply.cache_control.empty() ? "no-store" : reply.cache_control);
  if (reply.content_type.empty()) {
    res.set(bhttp::field::content_type, "application/json");
    res.body() = boost::json::serialize(reply.body);
    res.body() += '\n';
  } else {
    res.set(bhttp::field::content_type, reply.content_type);
    res.body() = reply.text;
  }
  res.prepare_payload();
  return res;
}

/// One connection: reads a request, answers it, and reads the next until the client closes.
class session : public std::enable_shared_from_this<session> {
public:
  session(tcp::socket socket, const http_server_options& options, const request_handler& handler)
      : stream_(std::move(socket)), options_(options), handler_(handler) {}

  void run() {
    net::dispatch(stream_.get_executor(),
                  beast::bind_front_handler(&session::read, shared_from_this()));
  }

private:
  void read() {
    parser_.emplace();
    parser_->body_limit(options_.body_limit);
    stream_.expires_after(options_.idle_timeout);
    bhttp::async_read(stream_, buffer_, *parser_,
                      beast::bind_front_handler(&session::on_read, shared_from_this()));
  }

  void on_read(beast::error_code ec, std::size_t) {
    if (ec == bhttp::error::end_of_stream)
      return close();
    if (ec == bhttp::error::body_limit)
      return write(to_response(error_reply(413, "body_too_large",
                                           "the request body is larger than " +
                                               std::to_string(options_.body_limit) + " bytes"),
                               parser_->get().version(), false));
    if (ec == bhttp::error::bad_target || ec == bhttp::error::bad_method ||
        ec == bhttp::error::bad_version || ec == bhttp::error::bad_field ||
        ec == bhttp::error::bad_value)
      return write(to_response(error_reply(400, "bad_request", ec.message()), 11, false));
    if (ec)
      return; // timed out or reset: the socket closes with the session
    auto req = parser_->release();
    http_request request;
    request.method = req.method();
    request.body = std::move(req.body());
    http_reply reply;
    if (!parse_target(req.target(), request))
      reply = error_reply(400, "bad_target", "cannot read the request target");
    else
      reply = handle(request, req[bhttp::field::authorization]);
    write(to_response(reply, req.version(), req.keep_alive()));
  }

  http_reply handle(http_request& request, std::string_view authorization) {
    try {
      return handler_(request, authorization);
    } catch (const std::exception& e) {
      spdlog::error("HTTP {} {}: {}", std::string(bhttp::to_string(request.method)), request.path,
                    e.what());
      return error_reply(500, "internal", e.what());
    }
  }

  void write(bhttp::response<bhttp::string_body> res) {
    response_ = std::move(res);
    bhttp::async_write(
        stream_, response_,
        beast::bind_front_handler(&session::on_write, shared_from_this(), response_.need_eof()));
  }

  void on_write(bool close_after, beast::error_code ec, std::size_t) {
    if (ec)
      return;
    if (close_after)
      return close();
    read();
  }

  void close() {
    beast::error_code ec;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ec);
  }

  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
  std::optional<bhttp::request_parser<bhttp::string_body>> parser_;
  bhttp::response<bhttp::string_body> response_;
  const http_server_options& options_;
  const request_handler& handler_;
};

} // namespace

struct http_server::impl {
  http_server_options options;
  request_handler handler;
  net::io_context io;
  tcp::acceptor acceptor{net::make_strand(io)};
  std::vector<std::thread> threads;

  void accept() {
    acceptor.async_accept(net::make_strand(io), [this](beast::error_code ec, tcp::socket socket) {
      if (ec == net::error::operation_aborted)
        return;
      if (!ec)
        std::make_shared<session>(std::move(socket), options, handler)->run();
      accept();
    });
  }
};

http_server::http_server(std::unique_ptr<impl> self) : self_(std::move(self)) {}

http_server::~http_server() {
  stop();
}

expected<std::unique_ptr<http_server>> http_server::start(http_server_options options,
                                                          request_handler handler) {
  auto self = std::make_unique<impl>();
  self->options = std::move(options);
  self->handler = std::move(handler);
  const auto& host = self->options.host;
  beast::error_code ec;
  auto address = net::ip::make_address(host == "localhost" ? "127.0.0.1" : host, ec);
  auto where = [&] { return "HTTP API on " + host + ":" + std::to_string(self->options.port); };
  if (ec)
    return error{errc::invalid_input, where() + ": not an IP address"};
  tcp::endpoint endpoint{address, self->options.port};
  auto& acceptor = self->acceptor;
  acceptor.open(endpoint.protocol(), ec);
  if (!ec)
    acceptor.set_option(net::socket_base::reuse_address(true), ec);
  if (!ec)
    acceptor.bind(endpoint, ec);
  if (!ec)
    acceptor.listen(net::socket_base::max_listen_connections, ec);
  if (ec)
    return error{errc::io, where() + ": " + ec.message()};
  self->accept();
  for (std::size_t i = 0; i < std::max<std::size_t>(1, self->options.threads); ++i)
    self->threads.emplace_back([io = &self->io] { io->run(); });
  return std::unique_ptr<http_server>(new http_server(std::move(self)));
}

std::uint16_t http_server::port() const {
  beast::error_code ec;
  auto endpoint = self_->acceptor.local_endpoint(ec);
  return ec ? 0 : endpoint.port();
}

void http_server::stop() {
  if (self_->threads.empty())
    return;
  self_->io.stop();
  for (auto& t : self_->threads)
    t.join();
  self_->threads.clear();
}

} // namespace boa::http
