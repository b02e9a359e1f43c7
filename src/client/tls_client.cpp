#include "client/tls_client.hpp"

#include <boost/asio/ip/address.hpp>
#include <boost/asio/ssl/error.hpp>
#include <openssl/x509_vfy.h>

#include <stdexcept>

namespace parley::client {

namespace ssl = boost::asio::ssl;

std::shared_ptr<ssl::context> makeClientTlsContext(const std::string& ca_file) {
    auto context = std::make_shared<ssl::context>(ssl::context::tls_client);
    context->set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 |
                         ssl::context::no_sslv3 | ssl::context::no_tlsv1 |
                         ssl::context::no_tlsv1_1 | ssl::context::no_compression);
    context->set_verify_mode(ssl::verify_peer);
    boost::system::error_code error;
    if (ca_file.empty()) {
        context->set_default_verify_paths(error);
    } else {
        context->load_verify_file(ca_file, error);
    }
    if (error) {
        throw std::invalid_argument(
            (ca_file.empty() ? std::string{"cannot use the system's trusted certificates"}
                             : "cannot load the CA file " + ca_file) +
            ": " + error.message());
    }
    return context;
}

void prepareTls(SSL* ssl, const std::string& host) {
    SSL_set_verify(ssl, SSL_VERIFY_PEER, nullptr);
    boost::system::error_code not_an_address;
    boost::asio::ip::make_address(host, not_an_address);
    if (not_an_address) {
        // OpenSSL's own check, so a mismatch reports "hostname mismatch" as the verify result.
        SSL_set1_host(ssl, host.c_str());
        // SSL_set_tlsext_host_name, without the macro's C cast.
        SSL_ctrl(ssl, SSL_CTRL_SET_TLSEXT_HOSTNAME, TLSEXT_NAMETYPE_host_name,
                 const_cast<char*>(host.c_str())); // NOLINT(cppcoreguidelines-pro-type-const-cast)
    } else {
        X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl), host.c_str());
    }
}

std::string describeTlsFailure(SSL* ssl, const boost::system::error_code& error) {
    const long verify_result = SSL_get_verify_result(ssl);
    if (verify_result != X509_V_OK) {
        return std::string{"TLS handshake failed: the server's certificate was not verified ("} +
               X509_verify_cert_error_string(verify_result) + ")";
    }
    return "TLS handshake failed: " + error.message();
}

} // namespace parley::client
