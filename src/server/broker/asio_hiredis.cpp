#include "server/broker/asio_hiredis.hpp"

#include <boost/asio/posix/stream_descriptor.hpp>
#include <hiredis/async.h>

#include <memory>

namespace parley::server {

namespace {

// One per connection, owned by itself (`self`) while hiredis holds it in ev.data, and by each
// wait in flight: a wait may complete after hiredis has let go (cleanup), so it holds a share.
struct Watch {
    Watch(boost::asio::io_context& io, redisAsyncContext* redis)
        : context(redis), descriptor(io, redis->c.fd) {}
    redisAsyncContext* context; // null once hiredis has freed it
    boost::asio::posix::stream_descriptor descriptor;
    bool want_read = false;
    bool want_write = false;
    bool read_armed = false;
    bool write_armed = false;
    std::shared_ptr<Watch> self;
};

using Wait = boost::asio::posix::stream_descriptor::wait_type;

// A wait stays armed across delRead/addRead pairs: when it fires, `want_*` says whether hiredis
// still cares. So the hooks are idempotent, as hiredis requires.
void arm(const std::shared_ptr<Watch>& watch, bool read) {
    bool& armed = read ? watch->read_armed : watch->write_armed;
    const bool wanted = read ? watch->want_read : watch->want_write;
    if (armed || !wanted || watch->context == nullptr) {
        return;
    }
    armed = true;
    watch->descriptor.async_wait(read ? Wait::wait_read : Wait::wait_write,
                                 [watch, read](const boost::system::error_code& error) {
                                     (read ? watch->read_armed : watch->write_armed) = false;
                                     const bool still = read ? watch->want_read : watch->want_write;
                                     if (error || watch->context == nullptr || !still) {
                                         return;
                                     }
                                     if (read) {
                                         redisAsyncHandleRead(watch->context);
                                     } else {
                                         redisAsyncHandleWrite(watch->context);
                                     }
                                     arm(watch, read); // hiredis may have freed it: arm checks
                                 });
}

Watch& of(void* data) {
    return *static_cast<Watch*>(data);
}

void addRead(void* data) {
    of(data).want_read = true;
    arm(of(data).self, true);
}

void delRead(void* data) {
    of(data).want_read = false;
}

void addWrite(void* data) {
    of(data).want_write = true;
    arm(of(data).self, false);
}

void delWrite(void* data) {
    of(data).want_write = false;
}

// hiredis is freeing the context and will close the socket itself: give it back untouched.
void cleanup(void* data) {
    const std::shared_ptr<Watch> watch = std::move(of(data).self);
    watch->context = nullptr;
    watch->want_read = false;
    watch->want_write = false;
    boost::system::error_code ignored;
    watch->descriptor.cancel(ignored);
    watch->descriptor.release();
}

} // namespace

bool attachToAsio(redisAsyncContext* context, boost::asio::io_context& io) {
    if (context->ev.data != nullptr) {
        return false;
    }
    auto watch = std::make_shared<Watch>(io, context);
    watch->self = watch;
    context->ev.data = watch.get();
    context->ev.addRead = addRead;
    context->ev.delRead = delRead;
    context->ev.addWrite = addWrite;
    context->ev.delWrite = delWrite;
    context->ev.cleanup = cleanup;
    return true;
}

} // namespace parley::server
