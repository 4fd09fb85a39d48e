#[test]
#[ignore]
fn make_big() {
    let dir = std::path::Path::new("/tmp/big");
    let store = conclave::store::Store::open(dir).unwrap();
    let run = conclave::model::RunId::new_at(1_700_000_000_000);
    let events = conclave::model::synthetic::realistic_run(run, 1_000_000, 5);
    let mut w = store.create_run(run).unwrap();
    for c in events.chunks(4096) {
        w.append_events(c.to_vec()).unwrap();
    }
    w.flush().unwrap();
    println!("RUN {run}");
}
