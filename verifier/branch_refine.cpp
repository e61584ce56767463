#include "verifier/branch_refine.hpp"

#include <algorithm>
#include <limits>

namespace ebpfjit::verifier {

using isa::Cond;

Relation edge_relation(Cond cond, bool taken) {
    switch (cond) {
    case Cond::Eq: return taken ? Relation::Eq : Relation::Ne;
    case Cond::Ne: return taken ? Relation::Ne : Relation::Eq;
    case Cond::Gt: return taken ? Relation::Gt : Relation::Le;
    case Cond::Ge: return taken ? Relation::Ge : Relation::Lt;
    case Cond::Lt: return taken ? Relation::Lt : Relation::Ge;
    case Cond::Le: return taken ? Relation::Le : Relation::Gt;
    case Cond::SGt: return taken ? Relation::SGt : Relation::SLe;
    case Cond::SGe: return taken ? Relation::SGe : Relation::SLt;
    case Cond::SLt: return taken ? Relation::SLt : Relation::SGe;
    case Cond::SLe: return taken ? Relation::SLe : Relation::SGt;
    case Cond::Set: return taken ? Relation::Set : Relation::NotSet;
    case Cond::Always: break;
    }
    return Relation::Eq; // unreachable: Always has no relation
}

Relation swap_operands(Relation r) {
    switch (r) {
    case Relation::Lt: return Relation::Gt;
    case Relation::Le: return Relation::Ge;
    case Relation::Gt: return Relation::Lt;
    case Relation::Ge: return Relation::Le;
    case Relation::SLt: return Relation::SGt;
    case Relation::SLe: return Relation::SGe;
    case Relation::SGt: return Relation::SLt;
    case Relation::SGe: return Relation::SLe;
    default: return r; // symmetric
    }
}

namespace {

// One pair of bound views (64- or 32-bit) of both operands.
template <class U, class S>
struct Views {
    U &aumin, &aumax;
    S &asmin, &asmax;
    U &bumin, &bumax;
    S &bsmin, &bsmax;
};

template <class U, class S>
bool refine_ranges(Relation rel, Views<U, S> v) {
    constexpr U kUMax = std::numeric_limits<U>::max();
    constexpr S kSMin = std::numeric_limits<S>::min();
    constexpr S kSMax = std::numeric_limits<S>::max();
    switch (rel) {
    case Relation::Eq:
        v.aumin = v.bumin = std::max(v.aumin, v.bumin);
        v.aumax = v.bumax = std::min(v.aumax, v.bumax);
        v.asmin = v.bsmin = std::max(v.asmin, v.bsmin);
        v.asmax = v.bsmax = std::min(v.asmax, v.bsmax);
        return true;
    case Relation::Ne: {
        // Only a constant operand can shave an endpoint off the other.
        auto shave = [](U& umin, U& umax, S& smin, S& smax, U k, S sk) {
            if (umin == k && umin != kUMax) ++umin;
            else if (umax == k && umax != 0) --umax;
            if (smin == sk && smin != kSMax) ++smin;
            else if (smax == sk && smax != kSMin) --smax;
        };
        bool a_const = v.aumin == v.aumax, b_const = v.bumin == v.bumax;
        if (a_const && b_const && v.aumin == v.bumin) return false;
        if (b_const) shave(v.aumin, v.aumax, v.asmin, v.asmax, v.bumin, S(v.bumin));
        if (a_const) shave(v.bumin, v.bumax, v.bsmin, v.bsmax, v.aumin, S(v.aumin));
        return true;
    }
    case Relation::Lt:
        if (v.bumax == 0 || v.aumin == kUMax) return false;
        v.aumax = std::min<U>(v.aumax, v.bumax - 1);
        v.bumin = std::max<U>(v.bumin, v.aumin + 1);
        return true;
    case Relation::Le:
        v.aumax = std::min(v.aumax, v.bumax);
        v.bumin = std::max(v.bumin, v.aumin);
        return true;
    case Relation::SLt:
        if (v.bsmax == kSMin || v.asmin == kSMax) return false;
        v.asmax = std::min<S>(v.asmax, v.bsmax - 1);
        v.bsmin = std::max<S>(v.bsmin, v.asmin + 1);
        return true;
    case Relation::SLe:
        v.asmax = std::min(v.asmax, v.bsmax);
        v.bsmin = std::max(v.bsmin, v.asmin);
        return true;
    default: return true; // Set / NotSet act on known bits only
    }
}

bool refine_bits(Tnum& a, Tnum& b, Relation rel) {
    switch (rel) {
    case Relation::Eq:
        if (a.conflicts(b)) return false;
        a = b = a.intersect(b);
        return true;
    case Relation::Set:
        if (((a.value | a.mask) & (b.value | b.mask)) == 0) return false;
        if (b.is_const() && __builtin_popcountll(b.value) == 1) {
            a.value |= b.value;
            a.mask &= ~b.value;
        }
        return true;
    case Relation::NotSet:
        if (a.value & b.value) return false;
        if (b.is_const()) {
            a.value &= ~b.value;
            a.mask &= ~b.value;
        }
        return true;
    default: return true;
    }
}

} // namespace

bool refine(Scalar& a, Scalar& b, Relation rel, bool is32) {
    switch (rel) { // a > b is b < a
    case Relation::Gt:
    case Relation::Ge:
    case Relation::SGt:
    case Relation::SGe: return refine(b, a, swap_operands(rel), is32);
    default: break;
    }
    if (is32) {
        Tnum la = a.bits.subreg(), lb = b.bits.subreg();
        if (!refine_bits(la, lb, rel)) return false;
        a.bits = a.bits.with_subreg(la);
        b.bits = b.bits.with_subreg(lb);
        if (!refine_ranges<uint32_t, int32_t>(rel, {a.u32min, a.u32max, a.s32min, a.s32max, b.u32min,
                                                    b.u32max, b.s32min, b.s32max}))
            return false;
    } else {
        if (!refine_bits(a.bits, b.bits, rel)) return false;
        if (!refine_ranges<uint64_t, int64_t>(rel, {a.umin, a.umax, a.smin, a.smax, b.umin, b.umax,
                                                    b.smin, b.smax}))
            return false;
    }
    return a.normalize() && b.normalize();
}

} // namespace ebpfjit::verifier
