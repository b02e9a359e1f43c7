#include "cli/token_command.hpp"

#include "cli/time_text.hpp"
#include "token/grants_json.hpp"

#include <parley/token/access_token_builder.hpp>
#include <parley/token/inspect.hpp>
#include <parley/token/token_verifier.hpp>

#include <nlohmann/json.hpp>

#include <iostream>
#include <map>

namespace parley::cli {
namespace {

using namespace parley::token;
using std::chrono::seconds;

struct MintArgs {
    std::string account_sid;
    std::string api_key;
    std::string api_secret;
    std::string identity;
    long long ttl = 3600;
    std::string chat_service;
    std::string sync_service;
    std::string video_room;
    std::optional<long long> nbf;
    std::string algorithm = "HS256";
    std::optional<long long> min_ttl;
    std::string region;
};

struct VerifyArgs {
    std::string token;
    std::string api_key;
    std::string api_secret;
    std::string account_sid;
    std::string chat_service;
    std::string required_grant;
    bool json = false;
};

void warnIfNotSid(const std::string& value, std::string_view prefix, std::string_view flag) {
    if (!value.empty() && !isSid(value, prefix)) {
        std::cerr << "warning: " << flag << " '" << value << "' does not look like " << prefix
                  << " followed by 32 hex digits\n";
    }
}

int runMint(const MintArgs& args) {
    warnIfNotSid(args.account_sid, "AC", "--account-sid");
    warnIfNotSid(args.api_key, "SK", "--api-key");
    AccessTokenBuilder builder{
        ApiKey{.sid = args.api_key, .account_sid = args.account_sid, .secret = args.api_secret}};
    builder.identity(args.identity)
        .ttl(seconds{args.ttl})
        .algorithm(parseAlgorithm(args.algorithm).value_or(Algorithm::kHs256));
    if (args.min_ttl) {
        builder.minimumTtl(seconds{*args.min_ttl});
    }
    if (args.nbf) {
        builder.notBefore(UnixSeconds{seconds{*args.nbf}});
    }
    if (!args.chat_service.empty()) {
        builder.chat(ChatGrant{.service_sid = args.chat_service});
    }
    if (!args.sync_service.empty()) {
        builder.sync(SyncGrant{.service_sid = args.sync_service});
    }
    if (!args.video_room.empty()) {
        builder.video(VideoGrant{.room = args.video_room});
    }
    if (!args.region.empty()) {
        builder.region(args.region);
    }
    auto token = builder.mint(SystemClock::instance());
    if (!token) {
        std::cerr << "error: cannot mint: " << token.error().message << '\n';
        return 1;
    }
    std::cout << *token << '\n';
    return 0;
}

VerifyPolicy policyFor(const VerifyArgs& args) {
    VerifyPolicy policy;
    if (!args.required_grant.empty()) {
        policy.required_grant = parseGrantKind(args.required_grant);
    }
    if (!args.chat_service.empty()) {
        policy.chat_service_sid = args.chat_service;
    }
    return policy;
}

int runVerify(const VerifyArgs& args) {
    const SystemClock& clock = SystemClock::instance();
    const TokenVerifier verifier{
        KeySet{{ApiKey{
            .sid = args.api_key, .account_sid = args.account_sid, .secret = args.api_secret}}},
        policyFor(args), clock};
    const auto claims = verifier.verify(args.token);
    if (args.json) {
        nlohmann::ordered_json out;
        out["valid"] = claims.has_value();
        out["code"] = claims ? 0 : claims.error().wireCode();
        out["message"] = claims ? "valid" : claims.error().message;
        out["identity"] = claims ? nlohmann::ordered_json(claims->identity()) : nullptr;
        out["expires_at"] =
            claims ? nlohmann::ordered_json(claims->expires_at.time_since_epoch().count())
                   : nullptr;
        if (claims) {
            out["issuer"] = claims->issuer;
            out["subject"] = claims->subject;
            out["algorithm"] = algorithmName(claims->algorithm);
            out["grants"] = grantsToJson(claims->grants);
        }
        std::cout << out.dump() << '\n';
    } else if (claims) {
        const auto left = claims->expires_at - std::chrono::floor<seconds>(clock.now());
        std::cout << "valid: identity " << claims->identity() << ", expires "
                  << isoUtc(claims->expires_at) << " (in " << durationText(left) << ")\n";
    } else {
        std::cout << "invalid (" << claims.error().wireCode() << "): " << claims.error().message
                  << '\n';
    }
    return claims ? 0 : 1;
}

nlohmann::ordered_json parsedOrText(const std::string& json) {
    auto parsed = nlohmann::ordered_json::parse(json, nullptr, false);
    return parsed.is_discarded() ? nlohmann::ordered_json(json) : parsed;
}

int runInspect(const std::string& token) {
    const auto inspection = inspect(token);
    if (!inspection) {
        std::cerr << "error (" << inspection.error().wireCode()
                  << "): " << inspection.error().message << '\n';
        return 1;
    }
    nlohmann::ordered_json out;
    out["header"] = parsedOrText(inspection->header_json);
    out["payload"] = parsedOrText(inspection->payload_json);
    out["signature_verified"] = false;
    if (const auto& claims = inspection->claims) {
        const auto now = std::chrono::floor<seconds>(SystemClock::instance().now());
        out["identity"] = claims->identity();
        out["expires_at"] = isoUtc(claims->expires_at);
        out["expires_in_s"] = (claims->expires_at - now).count();
        if (claims->issued_at) {
            out["issued_at"] = isoUtc(*claims->issued_at);
            out["lifetime_s"] = (claims->expires_at - *claims->issued_at).count();
        }
    } else if (const auto& problem = inspection->claims_problem) {
        out["claims_problem"] = {{"code", problem->wireCode()}, {"message", problem->message}};
    }
    std::cout << out.dump(2) << '\n';
    return 0;
}

void addMint(CLI::App& token, int& exit_code) {
    auto* mint = token.add_subcommand("mint", "Mint a signed access token and print it");
    auto args = std::make_shared<MintArgs>();
    mint->add_option("--account-sid", args->account_sid, "Account SID (AC + 32 hex), the sub claim")
        ->required()
        ->envname("PARLEY_ACCOUNT_SID");
    mint->add_option("--api-key", args->api_key, "API key SID (SK + 32 hex), the iss claim")
        ->required()
        ->envname("PARLEY_API_KEY");
    mint->add_option("--api-secret", args->api_secret, "API key secret the token is signed with")
        ->required()
        ->envname("PARLEY_API_SECRET");
    mint->add_option("--identity", args->identity, "Identity of the user the token is for")
        ->required();
    mint->add_option("--ttl", args->ttl, "Lifetime in seconds, 180 to 86400")
        ->capture_default_str();
    mint->add_option("--chat-service", args->chat_service, "Add a chat grant for this service");
    mint->add_option("--sync-service", args->sync_service,
                     "Add a data_sync grant for this service");
    mint->add_option("--video-room", args->video_room, "Add a video grant for this room");
    mint->add_option("--nbf", args->nbf, "Not-before time, unix seconds");
    mint->add_option("--algorithm", args->algorithm, "Signature algorithm")
        ->check(CLI::IsMember({"HS256", "HS384", "HS512"}))
        ->capture_default_str();
    mint->add_option("--min-ttl", args->min_ttl,
                     "Lower the shortest accepted --ttl (default 180; for tests)");
    mint->add_option("--region", args->region, "Optional twr header");
    mint->callback([args, &exit_code] { exit_code = runMint(*args); });
}

void addVerify(CLI::App& token, int& exit_code) {
    auto* verify = token.add_subcommand(
        "verify", "Verify a token's signature and claims; exit 0 if valid, 1 if not");
    auto args = std::make_shared<VerifyArgs>();
    verify->add_option("token", args->token, "The access token (JWT)")->required();
    verify->add_option("--api-key", args->api_key, "API key SID the token must be signed with")
        ->required()
        ->envname("PARLEY_API_KEY");
    verify->add_option("--api-secret", args->api_secret, "That key's secret")
        ->required()
        ->envname("PARLEY_API_SECRET");
    verify->add_option("--account-sid", args->account_sid, "Account the key belongs to (sub)")
        ->envname("PARLEY_ACCOUNT_SID");
    verify->add_option("--chat-service", args->chat_service,
                       "Require a chat grant for this service");
    verify->add_option("--require", args->required_grant, "Require this grant")
        ->check(CLI::IsMember({"chat", "data_sync", "video", "voice"}));
    verify->add_flag("--json", args->json,
                     R"(Print {"valid","code","message","identity","expires_at",...})");
    verify->callback([args, &exit_code] { exit_code = runVerify(*args); });
}

void addInspect(CLI::App& token, int& exit_code) {
    auto* inspect_command =
        token.add_subcommand("inspect", "Decode a token WITHOUT verifying it and print it as JSON");
    auto token_text = std::make_shared<std::string>();
    inspect_command->add_option("token", *token_text, "The access token (JWT)")->required();
    inspect_command->callback([token_text, &exit_code] { exit_code = runInspect(*token_text); });
}

} // namespace

void addTokenCommand(CLI::App& app, int& exit_code) {
    auto* token = app.add_subcommand("token", "Mint, verify and inspect access tokens");
    token->require_subcommand(1);
    addMint(*token, exit_code);
    addVerify(*token, exit_code);
    addInspect(*token, exit_code);
}

} // namespace parley::cli
