// `parley serve --tls-cert --tls-key`: https:// and wss:// on the same port and endpoints, with a
// CA and a server certificate made at test time. The SDK verifies the server against the CA it
// is given; without it the connection fails with the verification's reason; plain HTTP, garbage
// and silence on the TLS port end those connections and nothing else.

#include "client/tls_client.hpp"
#include "client/ws_connection.hpp"
#include "client_event_log.hpp"
#include "server_process.hpp"
#include "test_certificates.hpp"
#include "ws_test_client.hpp"

#include <parley/client/chat_client.hpp>

#include <boost/asio/connect.hpp>
#include <boost/asio/post.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>
#include <gtest/gtest.h>

#include <fstream>

namespace parley::testing {
namespace {

using namespace std::chrono_literals;
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;

std::vector<std::string> tlsArgs(const TestCertificates& certs) {
    return {"--tls-cert", certs.cert_file.string(), "--tls-key", certs.key_file.string()};
}

std::string wssUrl(std::uint16_t port, const std::string& host = "127.0.0.1") {
    return "wss://" + host + ":" + std::to_string(port) + "/v1/ws";
}

// One connection through the SDK's transport: "opened", or the reason it failed.
std::string openOnce(const std::string& url, const std::string& ca_file) {
    asio::io_context io;
    client::WsTransport transport{io, 5s, client::makeClientTlsContext(ca_file)};
    std::string outcome = "nothing";
    std::shared_ptr<client::Connection> connection;
    connection =
        transport.open(*client::parseWsUrl(url),
                       client::ConnectionHandlers{
                           .opened =
                               [&] {
                                   outcome = "opened";
                                   asio::post(io, [&] { connection->abort(); });
                               },
                           .frame = {},
                           .ended = [&](int, std::string reason) { outcome = std::move(reason); }});
    io.run_for(10s);
    return outcome;
}

struct HttpsResult {
    int status = 0;
    std::string body;
};

HttpsResult httpsGet(std::uint16_t port, const std::string& target, const std::string& ca_file) {
    asio::io_context io;
    auto context = client::makeClientTlsContext(ca_file);
    beast::ssl_stream<beast::tcp_stream> stream{beast::tcp_stream{io}, *context};
    client::prepareTls(stream.native_handle(), "127.0.0.1");
    beast::get_lowest_layer(stream).connect(
        asio::ip::tcp::endpoint{asio::ip::make_address("127.0.0.1"), port});
    stream.handshake(asio::ssl::stream_base::client);
    http::request<http::string_body> request{http::verb::get, target, 11};
    request.set(http::field::host, "127.0.0.1");
    http::write(stream, request);
    beast::flat_buffer buffer;
    http::response<http::string_body> response;
    http::read(stream, buffer, response);
    return {static_cast<int>(response.result_int()), response.body()};
}

// Whether the server closes a raw TCP connection after it sent `bytes` (waiting `within`).
bool serverCloses(std::uint16_t port, const std::string& bytes, std::chrono::seconds within) {
    asio::io_context io;
    asio::ip::tcp::socket socket{io};
    socket.connect(asio::ip::tcp::endpoint{asio::ip::make_address("127.0.0.1"), port});
    asio::write(socket, asio::buffer(bytes));
    bool closed = false;
    std::array<char, 4096> chunk{};
    std::function<void(boost::system::error_code, std::size_t)> on_read =
        [&](boost::system::error_code error, std::size_t) {
            if (error) {
                closed = true;
                return;
            }
            socket.async_read_some(asio::buffer(chunk), on_read);
        };
    socket.async_read_some(asio::buffer(chunk), on_read);
    io.run_for(within);
    return closed;
}

TEST(Tls, ChatClientOverWssWithTheCaCreatesJoinsSendsAndReceives) {
    const auto certs = TestCertificates::make("e2e");
    ServerProcess server{tlsArgs(certs)};
    EXPECT_NE(server.output().find("--url wss://127.0.0.1:"), std::string::npos);
    EXPECT_NE(server.output().find("Health: https://127.0.0.1:"), std::string::npos);
    auto log = std::make_shared<ClientEventLog>();
    auto chat = client::ChatClient::create(
        mintToken("alice", 600s), client::ChatClientOptions{.url = wssUrl(server.port()),
                                                            .ca_file = certs.ca_file.string(),
                                                            .listener = log});
    ASSERT_TRUE(log->waitFor("connected:alice"));
    ASSERT_TRUE(chat->createChannel("tls-room").get());
    ASSERT_TRUE(chat->join("tls-room").get());
    ASSERT_TRUE(chat->send("tls-room", "over TLS").get());
    ASSERT_TRUE(log->waitForMessages(1));
    EXPECT_EQ(log->messages().front().body, "over TLS");
    chat->shutdown();
}

TEST(Tls, WithoutTheCaTheServerIsNotTrustedAndTheReasonSaysSo) {
    const auto certs = TestCertificates::make("untrusted");
    ServerProcess server{tlsArgs(certs)};
    // The system's store does not know the test CA.
    const std::string outcome = openOnce(wssUrl(server.port()), "");
    EXPECT_NE(outcome.find("TLS handshake failed: the server's certificate was not verified"),
              std::string::npos)
        << outcome;
    EXPECT_NE(outcome.find("unable to get local issuer certificate"), std::string::npos) << outcome;
    // The SDK does not connect: each attempt is a connectionError with the cause "tls", it
    // retries, and never reports connected.
    auto log = std::make_shared<ClientEventLog>();
    auto chat = client::ChatClient::create(
        mintToken("alice", 600s),
        client::ChatClientOptions{.url = wssUrl(server.port()),
                                  .reconnect = {.initial = 20ms, .max = 50ms},
                                  .listener = log});
    ASSERT_TRUE(log->waitFor("connectionError:tls", 3));
    EXPECT_GE(chat->stats().connect_attempts, 3U);
    EXPECT_EQ(log->count("connected:alice"), 0U);
    chat->shutdown();
}

TEST(Tls, TheCertificateMustNameTheHostOfTheUrl) {
    const auto right = TestCertificates::make("names");
    ServerProcess server{tlsArgs(right)};
    EXPECT_EQ(openOnce(wssUrl(server.port(), "localhost"), right.ca_file.string()), "opened");
    // Signed by the trusted CA, but for another name.
    const auto wrong = TestCertificates::make("other-name", "DNS:chat.example.com");
    ServerProcess other{tlsArgs(wrong)};
    const std::string by_address = openOnce(wssUrl(other.port()), wrong.ca_file.string());
    EXPECT_NE(by_address.find("IP address mismatch"), std::string::npos) << by_address;
    const std::string by_name = openOnce(wssUrl(other.port(), "localhost"), wrong.ca_file.string());
    EXPECT_NE(by_name.find("hostname mismatch"), std::string::npos) << by_name;
}

TEST(Tls, RestOverHttpsAnswersAndPlainHttpIsToldToUseTls) {
    const auto certs = TestCertificates::make("rest");
    ServerProcess server{tlsArgs(certs)};
    const auto health = httpsGet(server.port(), "/healthz", certs.ca_file.string());
    EXPECT_EQ(health.status, 200);
    const auto plain = server.get("/healthz");
    EXPECT_EQ(plain.status, 400);
    EXPECT_NE(plain.body.find("use https:// or wss://"), std::string::npos);
}

TEST(Tls, PlainWebSocketGarbageAndSilenceEndOnlyTheirOwnConnections) {
    const auto certs = TestCertificates::make("abuse");
    ServerProcess server{{"--tls-cert", certs.cert_file.string(), "--tls-key",
                          certs.key_file.string(), "--init-timeout", "0.3"}};
    EXPECT_THROW(WsTestClient{server.port()}, std::exception);
    // A TLS record header, then nonsense.
    EXPECT_TRUE(serverCloses(
        server.port(), std::string{"\x16\x03\x01\x00\x20", 5} + std::string(64, '\x7f'), 10s));
    // A client that connects and says nothing is dropped at the handshake deadline.
    EXPECT_TRUE(serverCloses(server.port(), "", 10s));
    EXPECT_EQ(openOnce(wssUrl(server.port()), certs.ca_file.string()), "opened");
    EXPECT_EQ(httpsGet(server.port(), "/healthz", certs.ca_file.string()).status, 200);
}

TEST(Tls, BadCertificateOrKeyFilesStopTheServerAtStartWithTheReason) {
    const auto certs = TestCertificates::make("bad");
    const auto startError = [](std::vector<std::string> args) {
        try {
            ServerProcess server{std::move(args)};
        } catch (const std::runtime_error& error) {
            return std::string{error.what()};
        }
        return std::string{"started"};
    };
    EXPECT_NE(
        startError({"--tls-cert", "/nonexistent/cert.pem", "--tls-key", certs.key_file.string()})
            .find("TLS: /nonexistent/cert.pem is not a readable file"),
        std::string::npos);
    EXPECT_NE(startError(
                  {"--tls-cert", certs.cert_file.string(), "--tls-key", certs.ca_key_file.string()})
                  .find("does not match the certificate"),
              std::string::npos);
    EXPECT_NE(
        startError({"--tls-cert", certs.key_file.string(), "--tls-key", certs.key_file.string()})
            .find("as the certificate chain"),
        std::string::npos);
    EXPECT_NE(startError({"--tls-cert", certs.cert_file.string()})
                  .find("--tls-cert and --tls-key (tls_cert, tls_key) must be given together"),
              std::string::npos);
}

TEST(Tls, ABadCertificateFailsBeforeADevelopmentKeyOrDatabaseIsMade) {
    const auto certs = TestCertificates::make("bad-dev");
    const auto data_dir = certs.dir / "data";
    std::string output = "started";
    try {
        // No key flags: a start that got past the certificate would make a development key.
        ServerProcess server{
            {"--tls-cert", "/nonexistent/cert.pem", "--tls-key", certs.key_file.string()},
            data_dir,
            false};
    } catch (const std::runtime_error& error) {
        output = error.what();
    }
    EXPECT_NE(output.find("TLS: /nonexistent/cert.pem is not a readable file"), std::string::npos)
        << output;
    EXPECT_EQ(output.find("development API key"), std::string::npos) << output;
    EXPECT_FALSE(std::filesystem::exists(data_dir / "dev-keys.toml"));
    EXPECT_FALSE(std::filesystem::exists(data_dir / "parley.db"));
}

TEST(Tls, TheConfigFileNamesTheCertificateAndKey) {
    const auto certs = TestCertificates::make("config");
    const auto config = certs.dir / "parley.toml";
    std::ofstream{config} << "tls_cert = \"" << certs.cert_file.string() << "\"\n"
                          << "tls_key = \"" << certs.key_file.string() << "\"\n";
    ServerProcess server{{"--config", config.string()}};
    EXPECT_EQ(httpsGet(server.port(), "/healthz", certs.ca_file.string()).status, 200);
}

} // namespace
} // namespace parley::testing
