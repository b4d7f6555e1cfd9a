MODULE BenchExtension;

	IMPORT Strings;

	PROCEDURE Extension* (IN name: ARRAY OF CHAR; OUT ext: ARRAY OF CHAR);
		VAR pos, last: INTEGER;
	BEGIN
		last := -1;
		Strings.Find(name, ".", 0, pos);
		WHILE pos >= 0 DO last := pos; Strings.Find(name, ".", pos + 1, pos) END;
		IF last < 0 THEN ext := ""
		ELSE Strings.Extract(name, last + 1, LEN(name$) - last - 1, ext); Strings.ToLower(ext, ext)
		END
	END Extension;

END BenchExtension.
