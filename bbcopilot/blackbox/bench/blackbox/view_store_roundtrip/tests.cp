MODULE BenchStoreViewTest;

	IMPORT Files, Stores, Views, BenchCheck, BenchStoreView;

	(* v written to a file with a Stores.Writer, followed by the integer 4711, and read back from it. *)
	PROCEDURE RoundTrip (v: Views.View; OUT back: Stores.Store; OUT after: INTEGER);
		VAR f: Files.File; wr: Stores.Writer; rd: Stores.Reader;
	BEGIN
		f := Files.dir.Temp();
		wr.ConnectTo(f); wr.SetPos(0); wr.WriteStore(v); wr.WriteInt(4711);
		rd.ConnectTo(f); rd.SetPos(0); rd.ReadStore(back); rd.ReadInt(after)
	END RoundTrip;

	PROCEDURE Same (s: ANYPTR; IN label: ARRAY OF CHAR; count: INTEGER; on: BOOLEAN): BOOLEAN;
	BEGIN
		IF (s # NIL) & (s IS BenchStoreView.View) THEN
			WITH s: BenchStoreView.View DO
				RETURN (s.label = label) & (s.count = count) & (s.on = on)
			END
		ELSE RETURN FALSE
		END
	END Same;

	PROCEDURE Run*;
		VAR v: BenchStoreView.View; back: Stores.Store; after: INTEGER;
	BEGIN
		v := BenchStoreView.New("lamp", 3, TRUE);
		BenchCheck.True(1, Same(v, "lamp", 3, TRUE));
		RoundTrip(v, back, after);
		BenchCheck.True(2, Same(back, "lamp", 3, TRUE));
		BenchCheck.Int(3, after, 4711);
		RoundTrip(BenchStoreView.New("", -70000, FALSE), back, after);
		BenchCheck.True(4, Same(back, "", -70000, FALSE) & (after = 4711));
		BenchCheck.True(5, Same(Views.CopyOf(v, Views.deep), "lamp", 3, TRUE));
		RoundTrip(BenchStoreView.New("Задача №5", 0, TRUE), back, after);
		BenchCheck.True(6, Same(back, "Задача №5", 0, TRUE))
	END Run;

END BenchStoreViewTest.
