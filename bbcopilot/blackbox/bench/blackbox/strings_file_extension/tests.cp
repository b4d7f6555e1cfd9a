MODULE BenchExtensionTest;

	IMPORT BenchCheck, BenchExtension;

	PROCEDURE Check (case: INTEGER; IN name, want: ARRAY OF CHAR);
		VAR ext: ARRAY 64 OF CHAR;
	BEGIN
		BenchExtension.Extension(name, ext); BenchCheck.Str(case, ext, want)
	END Check;

	PROCEDURE Run*;
	BEGIN
		Check(1, "Report.TXT", "txt");
		Check(2, "backup.tar.GZ", "gz");
		Check(3, "README", "");
		Check(4, "name.", "");
		Check(5, "Мой.Документ.ODC", "odc");
		Check(6, "a.b", "b");
		Check(7, "Text/Mod/Models.odc", "odc")
	END Run;

END BenchExtensionTest.
