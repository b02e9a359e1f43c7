#pragma once

// TLS for wss:// URLs: the client context (the system's trusted CAs, or a given CA file) and,
// per connection, what makes verification mean something (the name checked against the
// certificate, SNI) and a readable cause when it fails.

#include <boost/asio/ssl/context.hpp>
#include <boost/system/error_code.hpp>
#include <openssl/ssl.h>

#include <memory>
#include <string>

namespace parley::client {

/// A context that verifies servers against the system's trust store, or only against the PEM
/// certificates in `ca_file` when it is not empty. Throws std::invalid_argument when `ca_file`
/// cannot be loaded (a configuration error, found at ChatClient::create).
std::shared_ptr<boost::asio::ssl::context> makeClientTlsContext(const std::string& ca_file);

/// Before the handshake: verify the peer, check its certificate names `host` (a DNS name or an
/// IP address) and send `host` as SNI when it is a name.
void prepareTls(SSL* ssl, const std::string& host);

/// "TLS handshake failed: ...", with the certificate check's own reason when that is what failed.
std::string describeTlsFailure(SSL* ssl, const boost::system::error_code& error);

} // namespace parley::client
