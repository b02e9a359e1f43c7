#include "test_certificates.hpp"

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <unistd.h>

#include <cstdio>
#include <memory>
#include <stdexcept>

namespace parley::testing {
namespace {

struct KeyFree {
    void operator()(EVP_PKEY* key) const { EVP_PKEY_free(key); }
};
struct CertFree {
    void operator()(X509* cert) const { X509_free(cert); }
};
using Key = std::unique_ptr<EVP_PKEY, KeyFree>;
using Cert = std::unique_ptr<X509, CertFree>;

void check(bool ok, const char* what) {
    if (!ok) {
        throw std::runtime_error(std::string{"test certificates: "} + what);
    }
}

void addExtension(X509* cert, X509* issuer, int nid, const char* value) {
    X509V3_CTX context;
    X509V3_set_ctx(&context, issuer, cert, nullptr, nullptr, 0);
    X509_EXTENSION* extension = X509V3_EXT_conf_nid(nullptr, &context, nid, value);
    check(extension != nullptr, "extension");
    X509_add_ext(cert, extension, -1);
    X509_EXTENSION_free(extension);
}

// Valid from an hour ago for a day, so clock differences do not matter.
Cert makeCertificate(EVP_PKEY* key, const char* common_name, long serial) {
    Cert cert{X509_new()};
    X509_set_version(cert.get(), 2);
    ASN1_INTEGER_set(X509_get_serialNumber(cert.get()), serial);
    X509_gmtime_adj(X509_getm_notBefore(cert.get()), -3600);
    X509_gmtime_adj(X509_getm_notAfter(cert.get()), 86400);
    X509_set_pubkey(cert.get(), key);
    X509_NAME* name = X509_get_subject_name(cert.get());
    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                               reinterpret_cast<const unsigned char*>(common_name), -1, -1, 0);
    return cert;
}

void writePem(const std::filesystem::path& file, X509* cert, EVP_PKEY* key) {
    FILE* out = std::fopen(file.c_str(), "w");
    check(out != nullptr, "open a file");
    const bool ok = cert != nullptr ? PEM_write_X509(out, cert) == 1
                                    : PEM_write_PrivateKey(out, key, nullptr, nullptr, 0, nullptr,
                                                           nullptr) == 1;
    std::fclose(out);
    check(ok, "write PEM");
}

} // namespace

TestCertificates TestCertificates::make(const std::string& name, const std::string& names) {
    TestCertificates out;
    out.dir = std::filesystem::temp_directory_path() /
              ("parley-tls-" + name + "-" + std::to_string(::getpid()));
    std::filesystem::remove_all(out.dir);
    std::filesystem::create_directories(out.dir);
    out.ca_file = out.dir / "ca.pem";
    out.ca_key_file = out.dir / "ca-key.pem";
    out.cert_file = out.dir / "cert.pem";
    out.key_file = out.dir / "key.pem";

    Key ca_key{EVP_EC_gen("P-256")};
    Key server_key{EVP_EC_gen("P-256")};
    check(ca_key && server_key, "key generation");
    Cert ca = makeCertificate(ca_key.get(), "Parley Test CA", 1);
    X509_set_issuer_name(ca.get(), X509_get_subject_name(ca.get()));
    addExtension(ca.get(), ca.get(), NID_basic_constraints, "critical,CA:TRUE");
    addExtension(ca.get(), ca.get(), NID_key_usage, "critical,keyCertSign,cRLSign");
    check(X509_sign(ca.get(), ca_key.get(), EVP_sha256()) > 0, "sign the CA");

    Cert server = makeCertificate(server_key.get(), "127.0.0.1", 2);
    X509_set_issuer_name(server.get(), X509_get_subject_name(ca.get()));
    addExtension(server.get(), ca.get(), NID_basic_constraints, "critical,CA:FALSE");
    addExtension(server.get(), ca.get(), NID_subject_alt_name, names.c_str());
    addExtension(server.get(), ca.get(), NID_ext_key_usage, "serverAuth");
    check(X509_sign(server.get(), ca_key.get(), EVP_sha256()) > 0, "sign the server certificate");

    writePem(out.ca_file, ca.get(), nullptr);
    writePem(out.ca_key_file, nullptr, ca_key.get());
    writePem(out.cert_file, server.get(), nullptr);
    writePem(out.key_file, nullptr, server_key.get());
    return out;
}

TestCertificates::~TestCertificates() {
    if (!dir.empty()) {
        std::error_code ignored;
        std::filesystem::remove_all(dir, ignored);
    }
}

} // namespace parley::testing
