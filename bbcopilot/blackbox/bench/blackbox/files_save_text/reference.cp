MODULE BenchFileSave;

	IMPORT Files;

	PROCEDURE Save* (IN name, text: ARRAY OF CHAR): BOOLEAN;
		VAR loc: Files.Locator; f: Files.File; w: Files.Writer; i, res: INTEGER; fileName: Files.Name;
	BEGIN
		loc := Files.dir.This("");
		f := Files.dir.New(loc, Files.dontAsk);
		IF f = NIL THEN RETURN FALSE END;
		w := f.NewWriter(NIL); w.SetPos(0); i := 0;
		WHILE text[i] # 0X DO w.WriteByte(SHORT(SHORT(ORD(text[i])))); INC(i) END;
		fileName := name$;
		f.Register(fileName, "", Files.dontAsk, res);
		RETURN res = 0
	END Save;

END BenchFileSave.
