//! The region tree (GB/T 2260 administrative division codes): the nation, the 34 provincial-level
//! divisions and their capital and sub-provincial cities. Seeded on first start; more cities can
//! be added by administrators later without a release.

use medshield_store::{Db, Region};

use crate::Result;

pub const NATION: &str = "000000";

/// (code, parent, 中文名, English name)
const REGIONS: &[(&str, &str, &str, &str)] = &[
    ("110000", NATION, "北京市", "Beijing"),
    ("120000", NATION, "天津市", "Tianjin"),
    ("130000", NATION, "河北省", "Hebei"),
    ("130100", "130000", "石家庄市", "Shijiazhuang"),
    ("140000", NATION, "山西省", "Shanxi"),
    ("140100", "140000", "太原市", "Taiyuan"),
    ("150000", NATION, "内蒙古自治区", "Inner Mongolia"),
    ("150100", "150000", "呼和浩特市", "Hohhot"),
    ("210000", NATION, "辽宁省", "Liaoning"),
    ("210100", "210000", "沈阳市", "Shenyang"),
    ("210200", "210000", "大连市", "Dalian"),
    ("220000", NATION, "吉林省", "Jilin"),
    ("220100", "220000", "长春市", "Changchun"),
    ("230000", NATION, "黑龙江省", "Heilongjiang"),
    ("230100", "230000", "哈尔滨市", "Harbin"),
    ("310000", NATION, "上海市", "Shanghai"),
    ("320000", NATION, "江苏省", "Jiangsu"),
    ("320100", "320000", "南京市", "Nanjing"),
    ("320500", "320000", "苏州市", "Suzhou"),
    ("330000", NATION, "浙江省", "Zhejiang"),
    ("330100", "330000", "杭州市", "Hangzhou"),
    ("330200", "330000", "宁波市", "Ningbo"),
    ("340000", NATION, "安徽省", "Anhui"),
    ("340100", "340000", "合肥市", "Hefei"),
    ("350000", NATION, "福建省", "Fujian"),
    ("350100", "350000", "福州市", "Fuzhou"),
    ("350200", "350000", "厦门市", "Xiamen"),
    ("360000", NATION, "江西省", "Jiangxi"),
    ("360100", "360000", "南昌市", "Nanchang"),
    ("370000", NATION, "山东省", "Shandong"),
    ("370100", "370000", "济南市", "Jinan"),
    ("370200", "370000", "青岛市", "Qingdao"),
    ("410000", NATION, "河南省", "Henan"),
    ("410100", "410000", "郑州市", "Zhengzhou"),
    ("420000", NATION, "湖北省", "Hubei"),
    ("420100", "420000", "武汉市", "Wuhan"),
    ("430000", NATION, "湖南省", "Hunan"),
    ("430100", "430000", "长沙市", "Changsha"),
    ("440000", NATION, "广东省", "Guangdong"),
    ("440100", "440000", "广州市", "Guangzhou"),
    ("440300", "440000", "深圳市", "Shenzhen"),
    ("450000", NATION, "广西壮族自治区", "Guangxi"),
    ("450100", "450000", "南宁市", "Nanning"),
    ("460000", NATION, "海南省", "Hainan"),
    ("460100", "460000", "海口市", "Haikou"),
    ("500000", NATION, "重庆市", "Chongqing"),
    ("510000", NATION, "四川省", "Sichuan"),
    ("510100", "510000", "成都市", "Chengdu"),
    ("520000", NATION, "贵州省", "Guizhou"),
    ("520100", "520000", "贵阳市", "Guiyang"),
    ("530000", NATION, "云南省", "Yunnan"),
    ("530100", "530000", "昆明市", "Kunming"),
    ("540000", NATION, "西藏自治区", "Tibet"),
    ("540100", "540000", "拉萨市", "Lhasa"),
    ("610000", NATION, "陕西省", "Shaanxi"),
    ("610100", "610000", "西安市", "Xi'an"),
    ("620000", NATION, "甘肃省", "Gansu"),
    ("620100", "620000", "兰州市", "Lanzhou"),
    ("630000", NATION, "青海省", "Qinghai"),
    ("630100", "630000", "西宁市", "Xining"),
    ("640000", NATION, "宁夏回族自治区", "Ningxia"),
    ("640100", "640000", "银川市", "Yinchuan"),
    ("650000", NATION, "新疆维吾尔自治区", "Xinjiang"),
    ("650100", "650000", "乌鲁木齐市", "Urumqi"),
    ("710000", NATION, "台湾省", "Taiwan"),
    ("810000", NATION, "香港特别行政区", "Hong Kong"),
    ("820000", NATION, "澳门特别行政区", "Macao"),
];

/// Inserts the tree if the database has none yet.
pub async fn seed(db: &Db) -> Result<()> {
    if db.region(NATION).await?.is_some() {
        return Ok(());
    }
    db.insert_region(&Region {
        code: NATION.into(),
        parent: None,
        path: format!("/{NATION}/"),
        name_zh: "全国".into(),
        name_en: "Nationwide".into(),
        level: 0,
    })
    .await?;
    // Parents come before children in the table, so each parent's path is known.
    let mut paths = std::collections::HashMap::new();
    paths.insert(NATION, format!("/{NATION}/"));
    for (code, parent, zh, en) in REGIONS {
        let parent_path = paths
            .get(parent)
            .cloned()
            .unwrap_or_else(|| format!("/{NATION}/"));
        let path = format!("{parent_path}{code}/");
        db.insert_region(&Region {
            code: (*code).into(),
            parent: Some((*parent).into()),
            path: path.clone(),
            name_zh: (*zh).into(),
            name_en: (*en).into(),
            level: if *parent == NATION { 1 } else { 2 },
        })
        .await?;
        paths.insert(code, path);
    }
    Ok(())
}
