// DeliveryInbox: deliveries pushed from another thread reach their targets on the inbox's
// io_context, in order, in one drain; a fan-out reaches each of its targets still alive, in the
// same order as single deliveries; a Batch on the pushing thread hands them over only when it
// ends, with one drain per io_context.

#include "server/delivery_inbox.hpp"

#include <boost/asio/io_context.hpp>
#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

namespace parley::server {
namespace {

namespace asio = boost::asio;

class RecordingTarget final : public DeliveryInbox::Target {
public:
    void deliverNow(const Payload& payload) override { got.push_back(*payload); }
    std::vector<std::string> got;
};

Payload text(std::string value) {
    return std::make_shared<const std::string>(std::move(value));
}

void push(asio::io_context& io, const std::shared_ptr<RecordingTarget>& target, std::string value) {
    DeliveryInbox::of(io.get_executor()).push(target, text(std::move(value)), io.get_executor());
}

TEST(DeliveryInbox, DeliversInOrderInOneDrain) {
    asio::io_context io;
    const auto first = std::make_shared<RecordingTarget>();
    const auto second = std::make_shared<RecordingTarget>();
    push(io, first, "a");
    push(io, second, "b");
    push(io, first, "c");
    EXPECT_EQ(io.poll(), 1U); // one drain for the three
    EXPECT_EQ(first->got, (std::vector<std::string>{"a", "c"}));
    EXPECT_EQ(second->got, (std::vector<std::string>{"b"}));
}

TEST(DeliveryInbox, ABatchHandsOverWhenItEndsWithOneDrainPerContext) {
    asio::io_context one;
    asio::io_context two;
    const auto on_one = std::make_shared<RecordingTarget>();
    const auto on_two = std::make_shared<RecordingTarget>();
    {
        const DeliveryInbox::Batch batch;
        for (int i = 0; i < 100; ++i) {
            push(one, on_one, std::to_string(i));
            push(two, on_two, std::to_string(i));
        }
        EXPECT_EQ(one.poll(), 0U); // nothing handed over yet
        EXPECT_EQ(two.poll(), 0U);
        one.restart();
        two.restart();
    }
    EXPECT_EQ(one.poll(), 1U);
    EXPECT_EQ(two.poll(), 1U);
    ASSERT_EQ(on_one->got.size(), 100U);
    ASSERT_EQ(on_two->got.size(), 100U);
    for (int i = 0; i < 100; ++i) {
        EXPECT_EQ(on_one->got[static_cast<std::size_t>(i)], std::to_string(i));
        EXPECT_EQ(on_two->got[static_cast<std::size_t>(i)], std::to_string(i));
    }
}

TEST(DeliveryInbox, ANestedBatchWaitsForTheOutermostAndKeepsTheOrder) {
    asio::io_context io;
    const auto target = std::make_shared<RecordingTarget>();
    push(io, target, "before"); // not batched: waiting in the inbox already
    {
        const DeliveryInbox::Batch outer;
        push(io, target, "outer");
        {
            const DeliveryInbox::Batch inner;
            push(io, target, "inner");
        }
        push(io, target, "after inner");
    }
    push(io, target, "unbatched");
    EXPECT_EQ(io.poll(), 1U);
    EXPECT_EQ(target->got,
              (std::vector<std::string>{"before", "outer", "inner", "after inner", "unbatched"}));
    // A second batch on the same thread starts empty and delivers again.
    {
        const DeliveryInbox::Batch again;
        push(io, target, "again");
    }
    io.restart();
    EXPECT_EQ(io.poll(), 1U);
    EXPECT_EQ(target->got.back(), "again");
}

TEST(DeliveryInbox, AFanoutReachesEachLiveTargetInOrderWithSingleDeliveries) {
    asio::io_context io;
    const auto first = std::make_shared<RecordingTarget>();
    const auto second = std::make_shared<RecordingTarget>();
    auto gone = std::make_shared<RecordingTarget>();
    const auto targets =
        std::make_shared<const DeliveryInbox::Targets>(DeliveryInbox::Targets{first, gone, second});
    DeliveryInbox& inbox = DeliveryInbox::of(io.get_executor());
    push(io, first, "a");
    inbox.pushFanout(targets, text("b"), io.get_executor());
    push(io, second, "c");
    gone.reset(); // before the drain: skipped
    inbox.pushFanout(targets, text("d"), io.get_executor());
    EXPECT_EQ(io.poll(), 1U);
    EXPECT_EQ(first->got, (std::vector<std::string>{"a", "b", "d"}));
    EXPECT_EQ(second->got, (std::vector<std::string>{"b", "c", "d"}));
}

TEST(DeliveryInbox, ConsecutiveFanoutsToOneListKeepEachTargetsOrder) {
    asio::io_context io;
    const auto first = std::make_shared<RecordingTarget>();
    const auto second = std::make_shared<RecordingTarget>();
    const auto both =
        std::make_shared<const DeliveryInbox::Targets>(DeliveryInbox::Targets{first, second});
    const auto only_second =
        std::make_shared<const DeliveryInbox::Targets>(DeliveryInbox::Targets{second});
    DeliveryInbox& inbox = DeliveryInbox::of(io.get_executor());
    const auto fanout = [&](const auto& targets, std::string value) {
        inbox.pushFanout(targets, text(std::move(value)), io.get_executor());
    };
    fanout(both, "m1"); // a run of three to one list, broken by a single delivery
    fanout(both, "m2");
    push(io, first, "single");
    fanout(both, "m3");
    fanout(only_second, "other list");
    fanout(both, "m4");
    EXPECT_EQ(io.poll(), 1U);
    EXPECT_EQ(first->got, (std::vector<std::string>{"m1", "m2", "single", "m3", "m4"}));
    EXPECT_EQ(second->got, (std::vector<std::string>{"m1", "m2", "m3", "other list", "m4"}));
}

TEST(DeliveryInbox, ABatchCollectsFanoutsWithSingleDeliveries) {
    asio::io_context io;
    const auto target = std::make_shared<RecordingTarget>();
    const auto targets =
        std::make_shared<const DeliveryInbox::Targets>(DeliveryInbox::Targets{target, target});
    {
        const DeliveryInbox::Batch batch;
        push(io, target, "one");
        DeliveryInbox::of(io.get_executor()).pushFanout(targets, text("twice"), io.get_executor());
        push(io, target, "three");
        EXPECT_EQ(io.poll(), 0U);
        io.restart();
    }
    EXPECT_EQ(io.poll(), 1U);
    EXPECT_EQ(target->got, (std::vector<std::string>{"one", "twice", "twice", "three"}));
}

} // namespace
} // namespace parley::server
