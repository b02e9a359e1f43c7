#pragma once

// The server's TLS configuration (`--tls-cert`, `--tls-key`): loaded and checked once at start,
// so a wrong path, a bad PEM file or a key that does not match the certificate stops `parley
// serve` with a message instead of failing every handshake later.

#include <boost/asio/ssl/context.hpp>

#include <expected>
#include <filesystem>
#include <memory>
#include <string>

namespace parley::server {

struct TlsFiles {
    /// PEM: the server certificate, then any intermediates (the chain a client is sent).
    std::filesystem::path certificate;
    /// PEM: the certificate's private key, unencrypted.
    std::filesystem::path private_key;
};

/// A server context for TLS 1.2 and later with `files` loaded; the error names the file and the
/// reason.
std::expected<std::unique_ptr<boost::asio::ssl::context>, std::string>
loadServerTlsContext(const TlsFiles& files);

} // namespace parley::server
