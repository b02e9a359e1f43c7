// The hub and io threads' inboxes: sessions that name an inbox (as WsSession does) get a
// channel's events through one fan-out per io thread, drained there; sessions that do not are
// called one by one. Either way every member session gets each event once, in order.

#include "hub_fixture.hpp"
#include "server/delivery_inbox.hpp"
#include "server/hub.hpp"

#include <boost/asio/io_context.hpp>

namespace parley::server {
namespace {

using namespace hub_fixture;
namespace asio = boost::asio;

// A session served by an io_context's inbox: what reaches it is recorded on that context.
class RoutedSink final : public SessionSink,
                         public DeliveryInbox::Target,
                         public std::enable_shared_from_this<RoutedSink> {
public:
    explicit RoutedSink(asio::io_context& io) : io_(io) {}

    void deliver(const Payload& payload) override {
        DeliveryInbox::of(io_.get_executor()).push(shared_from_this(), payload, io_.get_executor());
    }
    void close(protocol::CloseCode /*code*/) override {}
    InboxRoute inboxRoute() override {
        return InboxRoute{.inbox = &DeliveryInbox::of(io_.get_executor()),
                          .executor = io_.get_executor(),
                          .target = weak_from_this()};
    }
    void deliverNow(const Payload& payload) override { frames.push_back(*payload); }

    Frames frames; // on the io_context's thread (the test's)

private:
    asio::io_context& io_;
};

class HubInboxTest : public HubTest {
protected:
    std::shared_ptr<RoutedSink> routed(asio::io_context& io) {
        return std::make_shared<RoutedSink>(io);
    }

    asio::io_context one_;
    asio::io_context two_;
};

TEST_F(HubInboxTest, EachIoThreadDrainsAChannelsMessagesOnceForAllItsSessions) {
    const auto alice = routed(one_);
    const auto bob = routed(one_);
    const auto carol = routed(two_);
    const auto dave = sink(); // no inbox: called directly
    ASSERT_TRUE(attach("alice", alice, {"CH1"}, kNoLimit));
    ASSERT_TRUE(attach("bob", bob, {"CH1"}, kNoLimit));
    ASSERT_TRUE(attach("carol", carol, {"CH1"}, kNoLimit));
    ASSERT_TRUE(attach("dave", dave, {"CH1"}, kNoLimit));

    broker_.publishMessage("CH1", payload("first"));
    broker_.publishMessage("CH1", payload("second"));

    EXPECT_EQ(dave->frames(), (Frames{"first", "second"}));
    EXPECT_EQ(one_.poll(), 1U); // one drain for both messages and both sessions
    EXPECT_EQ(two_.poll(), 1U);
    EXPECT_EQ(alice->frames, (Frames{"first", "second"}));
    EXPECT_EQ(bob->frames, (Frames{"first", "second"}));
    EXPECT_EQ(carol->frames, (Frames{"first", "second"}));
}

TEST_F(HubInboxTest, MembershipEventsAndMessagesKeepTheirOrderThroughTheInbox) {
    const auto alice = routed(one_);
    const auto bob = routed(one_);
    ASSERT_TRUE(attach("alice", alice, {"CH1"}, kNoLimit));
    ASSERT_TRUE(attach("bob", bob, {}, kNoLimit));

    broker_.publishMessage("CH1", payload("before bob"));
    broker_.memberJoined("CH1", "bob");
    broker_.publishMessage("CH1", payload("after bob"));

    one_.poll();
    EXPECT_EQ(alice->frames, (Frames{"before bob", "joined bob", "after bob"}));
    EXPECT_EQ(bob->frames, (Frames{"joined bob", "after bob"}));
}

TEST_F(HubInboxTest, SessionsGoneBeforeTheDrainOrDetachedGetNothing) {
    const auto alice = routed(one_);
    auto phone = routed(one_);
    const auto laptop = routed(one_);
    ASSERT_TRUE(attach("alice", alice, {"CH1"}, kNoLimit));
    ASSERT_TRUE(attach("bob", phone, {"CH1"}, kNoLimit));
    ASSERT_TRUE(attach("bob", laptop, {}, kNoLimit));

    broker_.publishMessage("CH1", payload("to all"));
    const std::weak_ptr<RoutedSink> gone = phone;
    phone.reset(); // destroyed with the fan-out waiting in the inbox, never detached
    one_.poll();
    EXPECT_TRUE(gone.expired());
    EXPECT_EQ(alice->frames, (Frames{"to all"}));
    EXPECT_EQ(laptop->frames, (Frames{"to all"}));

    hub_.detach("alice", alice.get());
    broker_.publishMessage("CH1", payload("after alice left"));
    one_.restart();
    one_.poll();
    EXPECT_EQ(alice->frames, (Frames{"to all"}));
    EXPECT_EQ(laptop->frames, (Frames{"to all", "after alice left"}));
}

} // namespace
} // namespace parley::server
