//! Japanese personal names with their katakana reading and the romanization
//! people use in e-mail addresses (Hepburn, long vowels dropped: サトウ → sato).

use rand::Rng;

use crate::seed::{cumulative, pick};

#[derive(Clone, Copy, Debug)]
pub(crate) struct Name {
    pub kanji: &'static str,
    pub kana: &'static str,
    pub romaji: &'static str,
}

const fn n(kanji: &'static str, kana: &'static str, romaji: &'static str) -> Name {
    Name {
        kanji,
        kana,
        romaji,
    }
}

/// Common family names, most frequent first.
#[rustfmt::skip]
pub(crate) const FAMILY: [Name; 113] = [
    n("佐藤", "サトウ", "sato"), n("鈴木", "スズキ", "suzuki"), n("高橋", "タカハシ", "takahashi"),
    n("田中", "タナカ", "tanaka"), n("伊藤", "イトウ", "ito"), n("渡辺", "ワタナベ", "watanabe"),
    n("山本", "ヤマモト", "yamamoto"), n("中村", "ナカムラ", "nakamura"), n("小林", "コバヤシ", "kobayashi"),
    n("加藤", "カトウ", "kato"), n("吉田", "ヨシダ", "yoshida"), n("山田", "ヤマダ", "yamada"),
    n("佐々木", "ササキ", "sasaki"), n("山口", "ヤマグチ", "yamaguchi"), n("松本", "マツモト", "matsumoto"),
    n("井上", "イノウエ", "inoue"), n("木村", "キムラ", "kimura"), n("林", "ハヤシ", "hayashi"),
    n("斎藤", "サイトウ", "saito"), n("清水", "シミズ", "shimizu"), n("山崎", "ヤマザキ", "yamazaki"),
    n("森", "モリ", "mori"), n("池田", "イケダ", "ikeda"), n("橋本", "ハシモト", "hashimoto"),
    n("阿部", "アベ", "abe"), n("石川", "イシカワ", "ishikawa"), n("山下", "ヤマシタ", "yamashita"),
    n("中島", "ナカジマ", "nakajima"), n("石井", "イシイ", "ishii"), n("小川", "オガワ", "ogawa"),
    n("前田", "マエダ", "maeda"), n("岡田", "オカダ", "okada"), n("長谷川", "ハセガワ", "hasegawa"),
    n("藤田", "フジタ", "fujita"), n("後藤", "ゴトウ", "goto"), n("近藤", "コンドウ", "kondo"),
    n("村上", "ムラカミ", "murakami"), n("遠藤", "エンドウ", "endo"), n("青木", "アオキ", "aoki"),
    n("坂本", "サカモト", "sakamoto"), n("斉藤", "サイトウ", "saito"), n("福田", "フクダ", "fukuda"),
    n("太田", "オオタ", "ota"), n("西村", "ニシムラ", "nishimura"), n("藤井", "フジイ", "fujii"),
    n("金子", "カネコ", "kaneko"), n("岡本", "オカモト", "okamoto"), n("藤原", "フジワラ", "fujiwara"),
    n("中野", "ナカノ", "nakano"), n("三浦", "ミウラ", "miura"), n("原田", "ハラダ", "harada"),
    n("中川", "ナカガワ", "nakagawa"), n("松田", "マツダ", "matsuda"), n("竹内", "タケウチ", "takeuchi"),
    n("小野", "オノ", "ono"), n("田村", "タムラ", "tamura"), n("中山", "ナカヤマ", "nakayama"),
    n("和田", "ワダ", "wada"), n("石田", "イシダ", "ishida"), n("森田", "モリタ", "morita"),
    n("上田", "ウエダ", "ueda"), n("原", "ハラ", "hara"), n("内田", "ウチダ", "uchida"),
    n("柴田", "シバタ", "shibata"), n("酒井", "サカイ", "sakai"), n("宮崎", "ミヤザキ", "miyazaki"),
    n("横山", "ヨコヤマ", "yokoyama"), n("高木", "タカギ", "takagi"), n("安藤", "アンドウ", "ando"),
    n("宮本", "ミヤモト", "miyamoto"), n("大野", "オオノ", "ono"), n("小島", "コジマ", "kojima"),
    n("谷口", "タニグチ", "taniguchi"), n("今井", "イマイ", "imai"), n("工藤", "クドウ", "kudo"),
    n("高田", "タカダ", "takada"), n("増田", "マスダ", "masuda"), n("丸山", "マルヤマ", "maruyama"),
    n("杉山", "スギヤマ", "sugiyama"), n("村田", "ムラタ", "murata"), n("大塚", "オオツカ", "otsuka"),
    n("新井", "アライ", "arai"), n("小山", "コヤマ", "koyama"), n("平野", "ヒラノ", "hirano"),
    n("藤本", "フジモト", "fujimoto"), n("河野", "コウノ", "kono"), n("上野", "ウエノ", "ueno"),
    n("野口", "ノグチ", "noguchi"), n("武田", "タケダ", "takeda"), n("松井", "マツイ", "matsui"),
    n("千葉", "チバ", "chiba"), n("岩崎", "イワサキ", "iwasaki"), n("菅原", "スガワラ", "sugawara"),
    n("木下", "キノシタ", "kinoshita"), n("久保", "クボ", "kubo"), n("佐野", "サノ", "sano"),
    n("野村", "ノムラ", "nomura"), n("松尾", "マツオ", "matsuo"), n("市川", "イチカワ", "ichikawa"),
    n("菊地", "キクチ", "kikuchi"), n("杉本", "スギモト", "sugimoto"), n("古川", "フルカワ", "furukawa"),
    n("大西", "オオニシ", "onishi"), n("島田", "シマダ", "shimada"), n("水野", "ミズノ", "mizuno"),
    n("桜井", "サクライ", "sakurai"), n("高野", "タカノ", "takano"), n("渡部", "ワタナベ", "watanabe"),
    n("吉川", "ヨシカワ", "yoshikawa"), n("山内", "ヤマウチ", "yamauchi"), n("西田", "ニシダ", "nishida"),
    n("飯田", "イイダ", "iida"), n("服部", "ハットリ", "hattori"),
];

/// Given names, men's first (older and newer generations mixed).
#[rustfmt::skip]
pub(crate) const GIVEN_MALE: [Name; 52] = [
    n("太郎", "タロウ", "taro"), n("一郎", "イチロウ", "ichiro"), n("健太", "ケンタ", "kenta"),
    n("翔太", "ショウタ", "shota"), n("大輔", "ダイスケ", "daisuke"), n("拓也", "タクヤ", "takuya"),
    n("直樹", "ナオキ", "naoki"), n("誠", "マコト", "makoto"), n("健一", "ケンイチ", "kenichi"),
    n("浩二", "コウジ", "koji"), n("隆", "タカシ", "takashi"), n("学", "マナブ", "manabu"),
    n("翔", "ショウ", "sho"), n("陽翔", "ハルト", "haruto"), n("蓮", "レン", "ren"),
    n("湊", "ミナト", "minato"), n("大翔", "ヒロト", "hiroto"), n("悠真", "ユウマ", "yuma"),
    n("颯太", "ソウタ", "sota"), n("樹", "イツキ", "itsuki"), n("大和", "ヤマト", "yamato"),
    n("陸", "リク", "riku"), n("悠人", "ユウト", "yuto"), n("健", "ケン", "ken"),
    n("亮", "リョウ", "ryo"), n("和也", "カズヤ", "kazuya"), n("達也", "タツヤ", "tatsuya"),
    n("修", "オサム", "osamu"), n("博", "ヒロシ", "hiroshi"), n("清", "キヨシ", "kiyoshi"),
    n("茂", "シゲル", "shigeru"), n("勇気", "ユウキ", "yuki"), n("直人", "ナオト", "naoto"),
    n("航", "ワタル", "wataru"), n("拓海", "タクミ", "takumi"), n("駿", "シュン", "shun"),
    n("海斗", "カイト", "kaito"), n("智也", "トモヤ", "tomoya"), n("秀樹", "ヒデキ", "hideki"),
    n("正人", "マサト", "masato"), n("康介", "コウスケ", "kosuke"), n("優太", "ユウタ", "yuta"),
    n("圭", "ケイ", "kei"), n("俊介", "シュンスケ", "shunsuke"), n("大樹", "ダイキ", "daiki"),
    n("慎吾", "シンゴ", "shingo"), n("賢治", "ケンジ", "kenji"), n("悟", "サトル", "satoru"),
    n("徹", "トオル", "toru"), n("恭平", "キョウヘイ", "kyohei"), n("雅人", "マサト", "masato"),
    n("蒼", "アオイ", "aoi"),
];

#[rustfmt::skip]
pub(crate) const GIVEN_FEMALE: [Name; 52] = [
    n("花子", "ハナコ", "hanako"), n("陽菜", "ヒナ", "hina"), n("結衣", "ユイ", "yui"),
    n("さくら", "サクラ", "sakura"), n("美咲", "ミサキ", "misaki"), n("葵", "アオイ", "aoi"),
    n("凛", "リン", "rin"), n("結菜", "ユイナ", "yuina"), n("芽依", "メイ", "mei"),
    n("優子", "ユウコ", "yuko"), n("恵子", "ケイコ", "keiko"), n("裕子", "ユウコ", "yuko"),
    n("真由美", "マユミ", "mayumi"), n("直美", "ナオミ", "naomi"), n("久美子", "クミコ", "kumiko"),
    n("由美子", "ユミコ", "yumiko"), n("明美", "アケミ", "akemi"), n("智子", "トモコ", "tomoko"),
    n("洋子", "ヨウコ", "yoko"), n("幸子", "サチコ", "sachiko"), n("和子", "カズコ", "kazuko"),
    n("愛", "アイ", "ai"), n("彩", "アヤ", "aya"), n("舞", "マイ", "mai"),
    n("麻衣", "マイ", "mai"), n("千尋", "チヒロ", "chihiro"), n("美穂", "ミホ", "miho"),
    n("香織", "カオリ", "kaori"), n("奈々", "ナナ", "nana"), n("沙織", "サオリ", "saori"),
    n("瞳", "ヒトミ", "hitomi"), n("真奈美", "マナミ", "manami"), n("彩花", "アヤカ", "ayaka"),
    n("莉子", "リコ", "riko"), n("紬", "ツムギ", "tsumugi"), n("陽葵", "ヒマリ", "himari"),
    n("澪", "ミオ", "mio"), n("杏", "アン", "an"), n("瑞希", "ミズキ", "mizuki"),
    n("遥", "ハルカ", "haruka"), n("楓", "カエデ", "kaede"), n("琴音", "コトネ", "kotone"),
    n("七海", "ナナミ", "nanami"), n("萌", "モエ", "moe"), n("愛子", "アイコ", "aiko"),
    n("友美", "トモミ", "tomomi"), n("里美", "サトミ", "satomi"), n("紀子", "ノリコ", "noriko"),
    n("京子", "キョウコ", "kyoko"), n("早紀", "サキ", "saki"), n("桃子", "モモコ", "momoko"),
    n("千夏", "チナツ", "chinatsu"),
];

/// Zipf-like weights: the most common family names are far more common.
const fn zipf<const N: usize>() -> [u32; N] {
    let mut w = [0u32; N];
    let mut i = 0;
    while i < N {
        w[i] = 100_000 / (i as u32 + 8);
        i += 1;
    }
    w
}

const FAMILY_CUM: [u32; FAMILY.len()] = cumulative(zipf::<{ FAMILY.len() }>());

/// Index into [`FAMILY`].
pub(crate) fn draw_family<R: Rng + ?Sized>(rng: &mut R) -> u16 {
    pick(rng, &FAMILY_CUM) as u16
}

/// A given name: `(female, index)` into [`GIVEN_FEMALE`] or [`GIVEN_MALE`].
pub(crate) fn draw_given<R: Rng + ?Sized>(rng: &mut R) -> (bool, u16) {
    let female = rng.random_bool(0.5);
    let len = if female {
        GIVEN_FEMALE.len()
    } else {
        GIVEN_MALE.len()
    };
    (female, rng.random_range(0..len) as u16)
}

pub(crate) fn given(female: bool, index: u16) -> &'static Name {
    let table: &'static [Name] = if female { &GIVEN_FEMALE } else { &GIVEN_MALE };
    &table[usize::from(index) % table.len()]
}

pub(crate) fn family(index: u16) -> &'static Name {
    &FAMILY[usize::from(index) % FAMILY.len()]
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;

    /// Katakana to the e-mail style Hepburn used in the tables, written
    /// independently of them: a long vowel (オウ, ウウ, オオ) is shortened
    /// unless the ウ starts a new syllable (イノウエ keeps it).
    fn romanize(kana: &str) -> String {
        let chars: Vec<char> = kana.chars().collect();
        let mut out = String::new();
        let mut i = 0;
        while i < chars.len() {
            let c = chars[i];
            let next = chars.get(i + 1).copied();
            if c == 'ッ' {
                let rest = romanize(&chars[i + 1..].iter().collect::<String>());
                let first = rest.chars().next().unwrap();
                out.push(first);
                out.push_str(&rest);
                return out;
            }
            if let Some(small @ ('ャ' | 'ュ' | 'ョ')) = next {
                let base = syllable(c);
                let v = match small {
                    'ャ' => "a",
                    'ュ' => "u",
                    _ => "o",
                };
                let stem = match base {
                    "shi" => "sh",
                    "chi" => "ch",
                    "ji" => "j",
                    b => &b[..1],
                };
                let glide = if matches!(base, "shi" | "chi" | "ji") {
                    ""
                } else {
                    "y"
                };
                out.push_str(&format!("{stem}{glide}{v}"));
                i += 2;
                continue;
            }
            let s = syllable(c);
            let follows_vowel_kana = matches!(next, Some('ア' | 'イ' | 'ウ' | 'エ' | 'オ'));
            let long_u =
                s == "u" && (out.ends_with('o') || out.ends_with('u')) && !follows_vowel_kana;
            let long_o = s == "o" && out.ends_with('o');
            if !(long_u || long_o) {
                out.push_str(s);
            }
            i += 1;
        }
        out
    }

    fn syllable(c: char) -> &'static str {
        const ROWS: [(&str, [&str; 5]); 14] = [
            ("アイウエオ", ["a", "i", "u", "e", "o"]),
            ("カキクケコ", ["ka", "ki", "ku", "ke", "ko"]),
            ("ガギグゲゴ", ["ga", "gi", "gu", "ge", "go"]),
            ("サシスセソ", ["sa", "shi", "su", "se", "so"]),
            ("ザジズゼゾ", ["za", "ji", "zu", "ze", "zo"]),
            ("タチツテト", ["ta", "chi", "tsu", "te", "to"]),
            ("ダヂヅデド", ["da", "ji", "zu", "de", "do"]),
            ("ナニヌネノ", ["na", "ni", "nu", "ne", "no"]),
            ("ハヒフヘホ", ["ha", "hi", "fu", "he", "ho"]),
            ("バビブベボ", ["ba", "bi", "bu", "be", "bo"]),
            ("パピプペポ", ["pa", "pi", "pu", "pe", "po"]),
            ("マミムメモ", ["ma", "mi", "mu", "me", "mo"]),
            ("ラリルレロ", ["ra", "ri", "ru", "re", "ro"]),
            ("ヤ_ユ_ヨ", ["ya", "", "yu", "", "yo"]),
        ];
        if c == 'ワ' {
            return "wa";
        }
        if c == 'ン' {
            return "n";
        }
        for (row, out) in ROWS {
            if let Some(pos) = row.chars().position(|k| k == c) {
                return out[pos];
            }
        }
        panic!("unexpected kana {c:?}");
    }

    fn all() -> impl Iterator<Item = &'static Name> {
        FAMILY
            .iter()
            .chain(GIVEN_MALE.iter())
            .chain(GIVEN_FEMALE.iter())
    }

    #[test]
    fn kana_is_katakana_and_matches_romaji() {
        for name in all() {
            assert!(!name.kana.is_empty());
            assert!(
                name.kana.chars().all(|c| ('ァ'..='ヶ').contains(&c)),
                "{} has a non-katakana reading {}",
                name.kanji,
                name.kana
            );
            assert_eq!(
                romanize(name.kana),
                name.romaji,
                "{} / {}",
                name.kanji,
                name.kana
            );
            assert!(
                name.romaji.bytes().all(|b| b.is_ascii_lowercase()),
                "{}",
                name.romaji
            );
        }
    }

    #[test]
    fn written_names_are_not_readings() {
        for name in all() {
            assert!(
                !name.kanji.is_empty() && name.kanji.chars().count() <= 3,
                "{}",
                name.kanji
            );
            assert!(
                name.kanji.chars().all(|c| !('ァ'..='ヶ').contains(&c)),
                "{}",
                name.kanji
            );
        }
        let mut seen = std::collections::HashSet::new();
        for name in &FAMILY {
            assert!(
                seen.insert(name.kanji),
                "duplicate family name {}",
                name.kanji
            );
        }
    }

    #[test]
    fn romanizer_spot_checks() {
        assert_eq!(romanize("キョウコ"), "kyoko");
        assert_eq!(romanize("ハットリ"), "hattori");
        assert_eq!(romanize("イノウエ"), "inoue");
        assert_eq!(romanize("オオツカ"), "otsuka");
        assert_eq!(romanize("シュンスケ"), "shunsuke");
    }
}
