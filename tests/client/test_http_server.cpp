#include "test_http_server.h"

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wnull-dereference"
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#pragma GCC diagnostic pop

#include <fstream>
#include <iterator>
#include <vector>

namespace greenlight::client::test {
namespace {

namespace beast = boost::beast;
namespace http = beast::http;
namespace net = boost::asio;
using tcp = net::ip::tcp;

}  // namespace

struct TestHttpServer::Impl {
  std::filesystem::path root;
  net::io_context io;
  tcp::acceptor acceptor{io, tcp::endpoint(net::ip::make_address("127.0.0.1"), 0)};
  std::atomic<std::size_t>* requests = nullptr;

  void accept() {
    acceptor.async_accept([this](beast::error_code ec, tcp::socket socket) {
      if (ec) return;
      serve(std::move(socket));
      accept();
    });
  }

  void serve(tcp::socket socket) {
    beast::error_code ec;
    beast::flat_buffer buffer;
    http::request<http::empty_body> request;
    http::read(socket, buffer, request, ec);
    if (ec) return;
    // Counted before the response goes out, so a client that got its answer sees the count.
    ++*requests;
    http::response<http::vector_body<std::uint8_t>> response;
    response.version(11);
    response.set(http::field::connection, "close");
    const std::string target(request.target());
    const bool safe =
        !target.empty() && target.front() == '/' && target.find("..") == std::string::npos;
    const std::filesystem::path file = root / target.substr(safe ? 1 : 0);
    if (request.method() == http::verb::get && safe && std::filesystem::is_regular_file(file)) {
      std::ifstream in(file, std::ios::binary);
      response.body().assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
      response.result(http::status::ok);
    } else {
      response.result(http::status::not_found);
    }
    response.prepare_payload();
    http::write(socket, response, ec);
    socket.shutdown(tcp::socket::shutdown_both, ec);
  }
};

TestHttpServer::TestHttpServer(std::filesystem::path root) : impl_(std::make_unique<Impl>()) {
  impl_->root = std::move(root);
  impl_->requests = &requests_;
  impl_->accept();
  thread_ = std::thread([this] { impl_->io.run(); });
}

TestHttpServer::~TestHttpServer() {
  impl_->io.stop();
  if (thread_.joinable()) thread_.join();
}

std::string TestHttpServer::base_url() const {
  return "http://127.0.0.1:" + std::to_string(impl_->acceptor.local_endpoint().port());
}

}  // namespace greenlight::client::test
