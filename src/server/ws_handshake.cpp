#include "server/ws_handshake.hpp"

#include <boost/beast/http/rfc7230.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/beast/version.hpp>
#include <boost/beast/websocket/error.hpp>
#include <openssl/evp.h>

#include <array>
#include <sstream>
#include <stdexcept>

namespace parley::server {

namespace {

namespace http = boost::beast::http;
namespace websocket = boost::beast::websocket;
using Request = http::request<http::string_body>;
using Response = http::response<http::string_body>;

constexpr std::string_view kAcceptGuid = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";
constexpr int kHttp11 = 11;

// Beast's stream added its Server field last to every handshake response; kept so the upgrade
// looks the same from outside.
WsHandshakeAnswer finish(Response& response, boost::system::error_code error) {
    response.set(http::field::server, BOOST_BEAST_VERSION_STRING);
    std::ostringstream out;
    out << response;
    return {.response = std::move(out).str(), .error = error};
}

// The body is Beast's message for the code, as Beast's accept sent it.
WsHandshakeAnswer refuse(const Request& request, http::status status, websocket::error reason) {
    const boost::system::error_code error = reason;
    Response response{status, request.version()};
    if (status == http::status::upgrade_required) {
        response.set(http::field::sec_websocket_version, "13");
    }
    response.body() = error.message();
    response.prepare_payload();
    return finish(response, error);
}

bool hasToken(const Request& request, http::field field, std::string_view token) {
    const auto it = request.find(field);
    return it != request.end() && http::token_list{it->value()}.exists(token);
}

} // namespace

bool validWebSocketKey(std::string_view key) {
    // 16 bytes are 22 base64 characters and "==". EVP_DecodeBlock takes '=' anywhere, so where the
    // padding is is checked here, and the alphabet there.
    constexpr std::size_t kKeySize = 24;
    constexpr std::size_t kPaddingAt = 22;
    constexpr int kDecodedWithPadding = 18;
    if (key.size() != kKeySize || key.find('=') != kPaddingAt || key.substr(kPaddingAt) != "==") {
        return false;
    }
    std::array<unsigned char, kDecodedWithPadding> decoded{};
    // NOLINTNEXTLINE(cppcoreguidelines-pro-type-reinterpret-cast): text as OpenSSL's bytes.
    const auto* text = reinterpret_cast<const unsigned char*>(key.data());
    return EVP_DecodeBlock(decoded.data(), text, static_cast<int>(key.size())) ==
           kDecodedWithPadding;
}

std::string webSocketAccept(std::string_view key) {
    std::string input{key};
    input.append(kAcceptGuid);
    std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
    unsigned int digest_size = 0;
    if (EVP_Digest(input.data(), input.size(), digest.data(), &digest_size, EVP_sha1(), nullptr) !=
        1) {
        throw std::runtime_error("SHA-1 is not available from OpenSSL");
    }
    constexpr std::size_t kBase64Sha1 = 28; // 20 bytes
    std::array<unsigned char, kBase64Sha1 + 1> encoded{};
    const int size = EVP_EncodeBlock(encoded.data(), digest.data(), static_cast<int>(digest_size));
    // NOLINTNEXTLINE(cppcoreguidelines-pro-type-reinterpret-cast): OpenSSL's bytes as text.
    return {reinterpret_cast<const char*>(encoded.data()), static_cast<std::size_t>(size)};
}

// Beast's build_response, check for check: the first failure decides the code.
WsHandshakeAnswer answerUpgrade(const Request& request) {
    if (request.version() != kHttp11) {
        return refuse(request, http::status::bad_request, websocket::error::bad_http_version);
    }
    if (request.method() != http::verb::get) {
        return refuse(request, http::status::bad_request, websocket::error::bad_method);
    }
    if (request.count(http::field::host) == 0) {
        return refuse(request, http::status::bad_request, websocket::error::no_host);
    }
    if (request.count(http::field::connection) == 0) {
        return refuse(request, http::status::bad_request, websocket::error::no_connection);
    }
    if (!hasToken(request, http::field::connection, "upgrade")) {
        return refuse(request, http::status::bad_request, websocket::error::no_connection_upgrade);
    }
    if (request.count(http::field::upgrade) == 0) {
        return refuse(request, http::status::bad_request, websocket::error::no_upgrade);
    }
    if (!hasToken(request, http::field::upgrade, "websocket")) {
        return refuse(request, http::status::bad_request, websocket::error::no_upgrade_websocket);
    }
    const auto key = request.find(http::field::sec_websocket_key);
    if (key == request.end()) {
        return refuse(request, http::status::bad_request, websocket::error::no_sec_key);
    }
    if (!validWebSocketKey(key->value())) {
        return refuse(request, http::status::bad_request, websocket::error::bad_sec_key);
    }
    const auto version = request.find(http::field::sec_websocket_version);
    if (version == request.end()) {
        return refuse(request, http::status::bad_request, websocket::error::no_sec_version);
    }
    if (version->value() != "13") {
        return refuse(request, http::status::upgrade_required, websocket::error::bad_sec_version);
    }
    Response response{http::status::switching_protocols, request.version()};
    response.set(http::field::upgrade, "websocket");
    response.set(http::field::connection, "upgrade");
    response.set(http::field::sec_websocket_accept, webSocketAccept(key->value()));
    return finish(response, {});
}

} // namespace parley::server
