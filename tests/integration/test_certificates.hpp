#pragma once

// A certificate authority and a server certificate signed by it, made at test time with the
// OpenSSL API in a fresh temporary directory, for the TLS tests: nothing committed can expire.

#include <filesystem>
#include <string>

namespace parley::testing {

struct TestCertificates {
    std::filesystem::path dir;
    std::filesystem::path ca_file;     // the CA's certificate (PEM): what a client trusts
    std::filesystem::path cert_file;   // the server certificate (PEM), for 127.0.0.1 and localhost
    std::filesystem::path key_file;    // its private key (PEM)
    std::filesystem::path ca_key_file; // the CA's key: a key that does not match cert_file

    /// Makes all four files in a new directory named after `name`, the server certificate for
    /// `names` (subjectAltName syntax); throws on failure.
    static TestCertificates make(const std::string& name,
                                 const std::string& names = "IP:127.0.0.1,DNS:localhost");
    ~TestCertificates();
    TestCertificates(TestCertificates&&) = default;
    TestCertificates(const TestCertificates&) = delete;
    TestCertificates& operator=(const TestCertificates&) = delete;
    TestCertificates& operator=(TestCertificates&&) = delete;

private:
    TestCertificates() = default;
};

} // namespace parley::testing
