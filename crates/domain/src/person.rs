//! Who a checkout belongs to. Notices go to people, not rows, so this is the
//! rule that decides how many people there are.

/// The person key of a checkout:
/// 1. its `customer_id` when it has one;
/// 2. else the customer whose normalized email equals the checkout's;
/// 3. else `guest:<normalized email>`, or `checkout:<checkout_id>` with no email.
///
/// `customer_for_email` answers rule 2 from the customer records.
pub fn checkout_person_key<'c>(
    customer_id: &str,
    normalized_email: Option<&str>,
    checkout_id: &str,
    customer_for_email: impl FnOnce(&str) -> Option<&'c str>,
) -> String {
    let customer_id = customer_id.trim();
    if !customer_id.is_empty() {
        return customer_id.to_owned();
    }
    match normalized_email {
        Some(email) => match customer_for_email(email) {
            Some(customer) => customer.to_owned(),
            None => format!("{GUEST_PREFIX}{email}"),
        },
        None => format!("{CHECKOUT_PREFIX}{}", checkout_id.trim()),
    }
}

pub const GUEST_PREFIX: &str = "guest:";
pub const CHECKOUT_PREFIX: &str = "checkout:";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_three_rules_in_order() {
        let lookup = |e: &str| (e == "taro@example.jp").then_some("C1");
        assert_eq!(
            checkout_person_key("C9", Some("taro@example.jp"), "K1", lookup),
            "C9"
        );
        assert_eq!(
            checkout_person_key("", Some("taro@example.jp"), "K1", lookup),
            "C1"
        );
        assert_eq!(
            checkout_person_key("", Some("hana@example.jp"), "K1", lookup),
            "guest:hana@example.jp"
        );
        assert_eq!(checkout_person_key(" ", None, "K1", lookup), "checkout:K1");
    }
}
