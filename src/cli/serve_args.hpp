#pragma once

// What `parley serve` takes on its command line (docs/operations.md): the flags, as given, before
// they are merged with the config file and the defaults into ServerOptions (serve_command.cpp).

#include <CLI/CLI.hpp>

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

namespace parley::cli {

/// Every flag of `parley serve`; empty or unset means "not given".
struct ServeArgs {
    std::string config;
    std::string listen;
    std::string data;
    std::string store;
    std::string broker;
    std::string node_id;
    std::string account_sid;
    std::string api_key;
    std::string api_secret;
    std::string chat_service;
    std::optional<std::int64_t> window;
    std::optional<unsigned> threads;
    std::optional<double> init_timeout;
    std::optional<std::int64_t> keep_alive;
    std::optional<double> rate;
    std::optional<double> burst;
    std::optional<std::size_t> max_per_identity;
    std::optional<std::size_t> max_channels;
    std::optional<std::size_t> max_outbox_bytes;
    std::string log_level = "info";
    std::string tls_cert;
    std::string tls_key;
    std::string web_token_url;
};

/// Declares every flag of `parley serve` on `serve`, each read into `args`.
void addServeOptions(CLI::App* serve, ServeArgs& args);

} // namespace parley::cli
