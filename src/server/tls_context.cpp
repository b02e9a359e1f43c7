#include "server/tls_context.hpp"

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

namespace parley::server {

namespace ssl = boost::asio::ssl;

namespace {

std::string problem(const std::filesystem::path& file, const std::string& what,
                    const boost::system::error_code& error) {
    return "TLS: cannot use " + file.string() + " as the " + what + ": " + error.message();
}

} // namespace

std::expected<std::unique_ptr<ssl::context>, std::string>
loadServerTlsContext(const TlsFiles& files) {
    for (const auto& file : {files.certificate, files.private_key}) {
        std::error_code fs_error;
        if (!std::filesystem::is_regular_file(file, fs_error)) {
            return std::unexpected("TLS: " + file.string() + " is not a readable file");
        }
    }
    auto context = std::make_unique<ssl::context>(ssl::context::tls_server);
    // TLS 1.2 and 1.3 only; no compression (CRIME), no renegotiation by the peer.
    context->set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 |
                         ssl::context::no_sslv3 | ssl::context::no_tlsv1 |
                         ssl::context::no_tlsv1_1 | ssl::context::no_compression);
    SSL_CTX_set_options(context->native_handle(), SSL_OP_NO_RENEGOTIATION);
    boost::system::error_code error;
    context->use_certificate_chain_file(files.certificate.string(), error);
    if (error) {
        return std::unexpected(problem(files.certificate, "certificate chain (PEM)", error));
    }
    context->use_private_key_file(files.private_key.string(), ssl::context::pem, error);
    const bool mismatch = error && ERR_GET_REASON(static_cast<unsigned long>(error.value())) ==
                                       X509_R_KEY_VALUES_MISMATCH;
    if (mismatch || (!error && SSL_CTX_check_private_key(context->native_handle()) != 1)) {
        return std::unexpected("TLS: the private key " + files.private_key.string() +
                               " does not match the certificate " + files.certificate.string());
    }
    if (error) {
        return std::unexpected(problem(files.private_key, "private key (PEM)", error));
    }
    return context;
}

} // namespace parley::server
