MODULE BenchTextConcat;

	IMPORT TextModels;

	PROCEDURE Concat* (a, b: TextModels.Model): TextModels.Model;
		VAR t: TextModels.Model; w: TextModels.Writer;
	BEGIN
		t := TextModels.dir.New();
		t.InsertCopy(0, a, 0, a.Length());
		w := t.NewWriter(NIL); w.SetPos(t.Length()); w.WriteChar(TextModels.line);
		t.InsertCopy(t.Length(), b, 0, b.Length());
		RETURN t
	END Concat;

END BenchTextConcat.
