# Put the terminal in the Start menu (this user): a shortcut to hdf-pos-fenetres.exe, the same
# program as hdf-pos.exe without a console window. Shipped at the top of the zip archive; run:
#   powershell -ExecutionPolicy Bypass -File install.ps1 [-Uninstall]
# NOT VERIFIED: written on Linux, never run on Windows (see docs/BUILD.md).
param([switch]$Uninstall)
$ErrorActionPreference = "Stop"
$here = Split-Path -Parent $MyInvocation.MyCommand.Path
$programs = [Environment]::GetFolderPath("Programs")
$link = Join-Path $programs "Terminal Génération #HDF.lnk"
if ($Uninstall) {
    Remove-Item -Force -ErrorAction SilentlyContinue $link
    Write-Output "Terminal Génération #HDF retiré du menu Démarrer."
    exit 0
}
$exe = Join-Path $here "hdf-pos-fenetres.exe"
if (-not (Test-Path $exe)) { throw "hdf-pos-fenetres.exe introuvable dans $here" }
$shell = New-Object -ComObject WScript.Shell
$shortcut = $shell.CreateShortcut($link)
$shortcut.TargetPath = $exe
$shortcut.WorkingDirectory = $here
$shortcut.IconLocation = "$exe,0"
$shortcut.Description = "Encaisser la carte Génération #HDF"
$shortcut.Save()
Write-Output "Terminal Génération #HDF ajouté au menu Démarrer : $link"
