#include "cli/chat_command.hpp"

#include "cli/chat_printer.hpp"
#include "cli/chat_session.hpp"
#include "cli/token_command_provider.hpp"

#include <parley/client/access_manager.hpp>
#include <parley/client/chat_client.hpp>

#include <iostream>
#include <memory>

namespace parley::cli {

namespace {

struct ChatArgs {
    std::string url;
    std::string token;
    std::string token_command;
    bool events_json = false;
    long long window = 180;
    std::string ca_file;
};

int runChat(const ChatArgs& args) {
    std::string token = args.token;
    if (!args.token_command.empty()) {
        auto first = runTokenCommand(args.token_command);
        if (!first) {
            std::cerr << "parley chat: --token-command: " << first.error().message << '\n';
            return 1;
        }
        token = *first;
    }
    const bool renews = !args.token_command.empty();
    auto printer = std::make_shared<ChatPrinter>(std::cout, args.events_json, renews,
                                                 token::SystemClock::instance());
    ChatSession session{printer, /*renews_by_itself=*/renews};
    auto client = client::ChatClient::create(
        token,
        client::ChatClientOptions{.url = args.url,
                                  .ca_file = args.ca_file,
                                  .about_to_expire_window = std::chrono::seconds{args.window},
                                  .listener = session.listener()});
    std::shared_ptr<client::AccessManager> manager;
    client::Subscription manager_errors;
    if (renews) {
        manager = client::AccessManager::create(
            token, client::AccessManagerOptions{
                       .about_to_expire_window = std::chrono::seconds{args.window},
                       .provider = client::blockingProvider(
                           [command = args.token_command] { return runTokenCommand(command); }),
                   });
        manager_errors = manager->onError(
            [&session](const client::Error& error) { session.onManagerError(error); });
        manager->attach(client);
    }
    const int status = session.run(*client, std::cin);
    manager_errors.unsubscribe();
    if (manager) {
        manager->shutdown();
    }
    client->shutdown();
    return status;
}

} // namespace

void addChatCommand(CLI::App& app, int& exit_code) {
    auto args = std::make_shared<ChatArgs>();
    auto* chat = app.add_subcommand(
        "chat", "A terminal chat client that shows the token lifecycle as it happens");
    chat->footer(
        "Commands on stdin: /join C (creates C as public if missing), /leave C, /send C TEXT,\n"
        "/history C [N], /update-token JWT, /help, /quit; a plain line goes to the current\n"
        "channel (the last joined). Exit status: 0 on /quit or end of input, 1 when the client\n"
        "ends because of its token (refused, or expired with nothing to renew it), 2 on bad "
        "usage.\n"
        "--token-command runs with /bin/sh for every new token; it prints the token and exits 0,\n"
        "or exits 77 when the user may no longer have one (renewal stops), any other status to\n"
        "be retried with backoff.");
    chat->add_option("--url", args->url,
                     "The server's WebSocket URL, ws://HOST:PORT/v1/ws (wss:// for TLS)")
        ->required();
    chat->add_option("--ca-file", args->ca_file,
                     "For wss://: trust the CA certificates in this PEM file instead of the "
                     "system's");
    auto* token = chat->add_option("--token", args->token, "An access token (JWT)");
    auto* command = chat->add_option("--token-command", args->token_command,
                                     "A shell command that prints a new token; enables automatic "
                                     "renewal");
    token->excludes(command);
    command->excludes(token);
    chat->add_flag("--events-json", args->events_json, "Print every SDK event as one JSON line");
    chat->add_option("--about-to-expire-window", args->window,
                     "Seconds before expiry that tokenAboutToExpire fires (and renewal starts)")
        ->default_val(180)
        ->check(CLI::Range(1LL, 86400LL));
    chat->callback([args, &exit_code, chat] {
        if (args->token.empty() && args->token_command.empty()) {
            throw CLI::RequiredError("--token or --token-command");
        }
        (void)chat;
        exit_code = runChat(*args);
    });
}

} // namespace parley::cli
