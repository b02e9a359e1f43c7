#include "cli/chat_command.hpp"

#include "cli/chat_channels.hpp"
#include "cli/chat_control.hpp"
#include "cli/chat_printer.hpp"
#include "cli/chat_session.hpp"
#include "cli/chat_state.hpp"
#include "cli/chat_token_retry.hpp"
#include "cli/token_command_provider.hpp"
#include "client/url_rotation.hpp"

#include <parley/client/access_manager.hpp>
#include <parley/client/chat_client.hpp>

#include <unistd.h>

#include <iostream>
#include <memory>
#include <string_view>
#include <vector>

namespace parley::cli {

namespace {

constexpr int kTokenEnded = 1;
constexpr int kUsageError = 2;
// The first token waits for the command however long it takes (with its retries); /quit and
// exit status 77 end the wait.
constexpr std::chrono::hours kFirstTokenWait{24 * 365};

constexpr std::string_view kFooter =
    "Commands on stdin: /join C (creates C as public if missing), /leave C, /create C\n"
    "[private], /add C IDENTITY, /list, /members C, /send C TEXT, /history C [N],\n"
    "/update-token JWT, /help, /quit; a plain line goes to the current channel.\n"
    "On each connection it lists your channels and shows what arrived in them since the\n"
    "last message you saw (kept per identity and channel in the state file).\n"
    "Exit status: 0 on /quit or end of input, 1 when the client ends because of its token\n"
    "(refused or expired with nothing to renew it, or --token-command exited 77),\n"
    "2 on bad usage, 3 when it leaves with lines not sent (the server could not be reached,\n"
    "or /quit was typed first) or before the server was ever reached. The end of input (or\n"
    "a piped /quit) waits for the first connection to succeed or fail.\n"
    "--token-command runs with /bin/sh for the first token, for every renewal and again\n"
    "after a refused token; it prints the token and exits 0, or exits 77 when the user may\n"
    "no longer have one (parley chat exits 1); any other failure is retried with backoff.";

struct ChatArgs {
    std::vector<std::string> urls;
    std::string token;
    std::string token_command;
    bool events_json = false;
    long long window = 180;
    std::string ca_file;
    std::string state_file;
    bool no_state_file = false;
};

// The token from --token, or the first one --token-command gave; nullopt when the program ends
// before there is one (the status is then in `status`).
std::optional<std::string> firstToken(const ChatArgs& args, ChatControl& control, TokenRetry* retry,
                                      int& status) {
    if (retry == nullptr) {
        return args.token;
    }
    auto token = control.await(retry->start(), kFirstTokenWait);
    if (token) {
        return token;
    }
    const auto next = control.next(); // stopping: the end, or /quit
    if (const auto* end = std::get_if<ChatControl::End>(&next)) {
        std::cerr << "parley chat: " << end->reason << '\n';
        status = end->status;
    } else {
        std::cerr << "parley chat: left before --token-command gave a usable token\n";
        status = kTokenEnded;
    }
    return std::nullopt;
}

std::filesystem::path statePath(const ChatArgs& args) {
    if (args.no_state_file) {
        return {};
    }
    return args.state_file.empty() ? defaultStatePath() : std::filesystem::path{args.state_file};
}

// The AccessManager that renews the token through --token-command.
std::shared_ptr<client::AccessManager> renewer(const std::string& command, const std::string& token,
                                               std::chrono::seconds window) {
    return client::AccessManager::create(token, client::AccessManagerOptions{
                                                    .about_to_expire_window = window,
                                                    .provider = client::blockingProvider([command] {
                                                        return runTokenCommand(command);
                                                    }),
                                                });
}

int runChat(const ChatArgs& args) {
    if (auto urls = client::parseServerUrls(args.urls); !urls) {
        std::cerr << "parley chat: --url " << urls.error() << '\n';
        return kUsageError;
    }
    const bool renews = !args.token_command.empty();
    auto printer = std::make_shared<ChatPrinter>(std::cout, args.events_json, renews,
                                                 token::SystemClock::instance());
    auto control = std::make_shared<ChatControl>();
    control->startReading(std::cin, ::isatty(STDIN_FILENO) == 1);
    printer->connecting(args.urls);
    std::unique_ptr<TokenRetry> retry;
    if (renews) {
        retry = std::make_unique<TokenRetry>(args.token_command, *control, printer);
    }
    int status = 0;
    const auto token = firstToken(args, *control, retry.get(), status);
    if (!token) {
        return status;
    }
    ChatSession session{*control, printer, std::make_shared<ChatChannels>(printer, statePath(args)),
                        retry.get()};
    const std::chrono::seconds window{args.window};
    auto client = client::ChatClient::create(
        *token, client::ChatClientOptions{.urls = args.urls,
                                          .ca_file = args.ca_file,
                                          .about_to_expire_window = window,
                                          .listener = session.listener()});
    std::shared_ptr<client::AccessManager> manager;
    client::Subscription manager_errors;
    if (renews) {
        manager = renewer(args.token_command, *token, window);
        manager_errors = manager->onError(
            [&session](const client::Error& error) { session.onManagerError(error); });
        manager->attach(client);
        retry->handTo(manager);
    }
    status = session.run(client);
    if (retry) {
        retry->stop();
    }
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
    chat->footer(std::string{kFooter});
    chat->add_option("--url", args->urls,
                     "The server's WebSocket URL, ws://HOST:PORT/v1/ws (wss:// for TLS); give it "
                     "once per node to move to the next node when one is gone")
        ->required()
        ->allow_extra_args(false);
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
    auto* state = chat->add_option(
        "--state-file", args->state_file,
        "Where the last message seen per identity and channel is kept (default "
        "$XDG_STATE_HOME/parley/chat-state.json, else ~/.local/state/parley/chat-state.json)");
    chat->add_flag("--no-state-file", args->no_state_file,
                   "Keep nothing between runs (a restart shows no missed messages)")
        ->excludes(state);
    chat->callback([args, &exit_code] {
        if (args->token.empty() && args->token_command.empty()) {
            throw CLI::RequiredError("--token or --token-command");
        }
        exit_code = runChat(*args);
    });
}

} // namespace parley::cli
