//! The wide shape's extras: where a delivery goes in a long Japanese address
//! (a company and department "気付"), and the free-text columns real exports
//! carry beside the ones a scope reads. Notes sometimes hold commas, quotes
//! and line breaks, so their cells are quoted and a record spans lines.

use rand::Rng;

use crate::cell::push_field;
use crate::seed::{Domain, Mix, chance};

/// Extra checkout columns, after breachdesk's own.
pub(crate) const CHECKOUT_COLUMNS: &str = ",delivery_note,gift_message,items,user_agent";
/// Extra customer columns, after breachdesk's own.
pub(crate) const CUSTOMER_COLUMNS: &str = ",company,department,memo,last_user_agent";

const COMPANIES: [&str; 8] = [
    "株式会社みなと総合企画",
    "有限会社さくら精機製作所",
    "合同会社ひかりデジタルソリューションズ",
    "株式会社北斗ロジスティクス",
    "一般社団法人地域医療連携推進機構",
    "株式会社青葉システムインテグレーション",
    "大和テクノサービス株式会社",
    "株式会社東雲クリエイティブスタジオ",
];

const DEPARTMENTS: [&str; 6] = [
    "総務部総務課",
    "経営企画本部デジタル推進室",
    "営業統括部第二営業課",
    "情報システム部インフラ運用グループ",
    "人事部採用チーム",
    "研究開発センター第三研究室",
];

const NOTE_PHRASES: [&str; 12] = [
    "不在の場合は宅配ボックスに入れてください",
    "平日は19時以降の配達を希望します",
    "インターホンが故障しているのでお電話ください",
    "会社宛てのため土日祝日の配達はご遠慮ください",
    "置き配を希望します（玄関前）",
    "領収書の宛名は会社名でお願いします",
    "ギフト用の包装をお願いします、値札は外してください",
    "前回届いた商品の箱が潰れていたので梱包を厳重にお願いします",
    "管理人室に預けていただいて構いません",
    "\"至急\"と箱に書いていただけると助かります",
    "配送前にメールで連絡をください",
    "マンションのオートロック番号は別途お伝えします",
];

const GIFT_PHRASES: [&str; 6] = [
    "お誕生日おめでとう！いつも本当にありがとう。",
    "ご入学おめでとうございます。新しい生活を楽しんでください。",
    "日頃の感謝を込めて。これからもよろしくお願いします。",
    "退職のお祝いに。長い間お疲れさまでした。",
    "結婚記念日おめでとう、これからも二人で仲良く。",
    "少し早いですがクリスマスプレゼントです。",
];

const ITEMS: [&str; 8] = [
    "翻訳機ポケットモデル（ホワイト）",
    "年間ライセンス・プロフェッショナル版",
    "グローバルデータ通信プラン 2年",
    "ダウンロード版オフィススイート",
    "保護ケース＆液晶フィルムセット",
    "クラウドバックアップ 1TB 月額",
    "USB-C 急速充電器 65W",
    "動画編集ソフト 乗り換え優待版",
];

const USER_AGENTS: [&str; 6] = [
    "Mozilla/5.0 (iPhone; CPU iPhone OS 16_1_2 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/16.1 Mobile/15E148 Safari/604.1",
    "Mozilla/5.0 (Linux; Android 13; SO-51C) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/108.0.0.0 Mobile Safari/537.36",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/108.0.0.0 Safari/537.36 Edg/108.0.1462.54",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/16.2 Safari/605.1.15",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:108.0) Gecko/20100101 Firefox/108.0",
    "Mozilla/5.0 (Linux; Android 12; SHG07 Build/S4150) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/107.0.5304.141 Mobile Safari/537.36",
];

/// Where a person's parcels go at work: part of their address in the wide
/// shape, derived from who they are so every row shows the same one.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Workplace {
    company: u8,
    department: u8,
}

impl Workplace {
    /// Customer `i`'s or guest `g`'s workplace (two thirds of people have one).
    pub(crate) fn of(seed: u64, guest: bool, index: u64) -> Option<Workplace> {
        let domain = if guest {
            Domain::WideGuest
        } else {
            Domain::WideCustomer
        };
        let mut mix = Mix::new(seed, domain, index);
        chance(&mut mix, 6_700).then(|| Workplace {
            company: mix.random_range(0..COMPANIES.len()) as u8,
            department: mix.random_range(0..DEPARTMENTS.len()) as u8,
        })
    }

    pub(crate) fn company(&self) -> &'static str {
        COMPANIES[usize::from(self.company)]
    }

    pub(crate) fn department(&self) -> &'static str {
        DEPARTMENTS[usize::from(self.department)]
    }

    /// Appends `　会社名　部署名気付` to an address.
    pub(crate) fn push_care_of(&self, out: &mut Vec<u8>) {
        out.extend_from_slice("\u{3000}".as_bytes());
        out.extend_from_slice(self.company().as_bytes());
        out.extend_from_slice("\u{3000}".as_bytes());
        out.extend_from_slice(self.department().as_bytes());
        out.extend_from_slice("気付".as_bytes());
    }
}

/// Appends the wide checkout columns (each preceded by its comma).
pub(crate) fn push_checkout_extras<R: Rng + ?Sized>(
    rng: &mut R,
    out: &mut Vec<u8>,
    scratch: &mut Vec<u8>,
) {
    out.push(b',');
    if chance(rng, 6_000) {
        scratch.clear();
        push_phrases(rng, &NOTE_PHRASES, 1..4, scratch);
        push_field(out, scratch);
    }
    out.push(b',');
    if chance(rng, 1_500) {
        scratch.clear();
        push_phrases(rng, &GIFT_PHRASES, 1..3, scratch);
        push_field(out, scratch);
    }
    out.push(b',');
    scratch.clear();
    let items = rng.random_range(1..5);
    for n in 0..items {
        if n > 0 {
            scratch.extend_from_slice(b" / ");
        }
        scratch.extend_from_slice(ITEMS[rng.random_range(0..ITEMS.len())].as_bytes());
        scratch.extend_from_slice(" × ".as_bytes());
        scratch.push(b'0' + rng.random_range(1..4u8));
    }
    push_field(out, scratch);
    out.push(b',');
    push_field(
        out,
        USER_AGENTS[rng.random_range(0..USER_AGENTS.len())].as_bytes(),
    );
}

/// Appends the wide customer columns (each preceded by its comma).
pub(crate) fn push_customer_extras<R: Rng + ?Sized>(
    rng: &mut R,
    workplace: Option<Workplace>,
    out: &mut Vec<u8>,
    scratch: &mut Vec<u8>,
) {
    out.push(b',');
    if let Some(w) = workplace {
        out.extend_from_slice(w.company().as_bytes());
    }
    out.push(b',');
    if let Some(w) = workplace {
        out.extend_from_slice(w.department().as_bytes());
    }
    out.push(b',');
    if chance(rng, 3_000) {
        scratch.clear();
        push_phrases(rng, &NOTE_PHRASES, 1..3, scratch);
        push_field(out, scratch);
    }
    out.push(b',');
    push_field(
        out,
        USER_AGENTS[rng.random_range(0..USER_AGENTS.len())].as_bytes(),
    );
}

/// A few phrases joined as people type them: mostly `、`, sometimes an ASCII
/// comma, now and then a line break.
fn push_phrases<R: Rng + ?Sized>(
    rng: &mut R,
    phrases: &[&str],
    count: std::ops::Range<usize>,
    out: &mut Vec<u8>,
) {
    let n = rng.random_range(count);
    for i in 0..n {
        if i > 0 {
            let sep: &[u8] = match rng.random_range(0..20u8) {
                0 => b"\n",
                1..=4 => b", ",
                _ => "、".as_bytes(),
            };
            out.extend_from_slice(sep);
        }
        out.extend_from_slice(phrases[rng.random_range(0..phrases.len())].as_bytes());
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;
    use crate::seed::chacha;

    #[test]
    fn extras_are_one_cell_each_and_workplaces_repeat() {
        let mut rng = chacha(5, Domain::CheckoutRow, 0);
        let (mut out, mut scratch) = (Vec::new(), Vec::new());
        let mut multiline = false;
        for _ in 0..500 {
            out.clear();
            out.extend_from_slice(b"x");
            push_checkout_extras(&mut rng, &mut out, &mut scratch);
            out.push(b'\n');
            multiline |= out.iter().filter(|&&b| b == b'\n').count() > 1;
            let mut reader = csv::ReaderBuilder::new()
                .has_headers(false)
                .from_reader(out.as_slice());
            let record = reader.records().next().unwrap().unwrap();
            assert_eq!(record.len(), 5, "{}", String::from_utf8_lossy(&out));
            assert!(record[4].starts_with("Mozilla/5.0"));
        }
        assert!(multiline, "no note spanned lines");
        assert_eq!(Workplace::of(1, false, 7), Workplace::of(1, false, 7));
        let some = (0..100)
            .filter(|&i| Workplace::of(1, true, i).is_some())
            .count();
        assert!((50..85).contains(&some), "{some} of 100 have a workplace");
    }
}
