MODULE BenchFileSave;

	IMPORT Files;

	(* Flushes and closes the file as one would in Delphi: but a new BlackBox file is a temporary one,
		nameless, until File.Register gives it its name. *)
	PROCEDURE Save* (IN name, text: ARRAY OF CHAR): BOOLEAN;
		VAR loc: Files.Locator; f: Files.File; w: Files.Writer; i: INTEGER;
	BEGIN
		loc := Files.dir.This("");
		f := Files.dir.New(loc, Files.dontAsk);
		IF f = NIL THEN RETURN FALSE END;
		w := f.NewWriter(NIL); w.SetPos(0); i := 0;
		WHILE text[i] # 0X DO w.WriteByte(SHORT(SHORT(ORD(text[i])))); INC(i) END;
		f.Flush; f.Close;
		RETURN TRUE
	END Save;

END BenchFileSave.
